#!/usr/bin/env bash
# Template rendering throughput, tend vs Python's Jinja2 (issue 5): each side
# compiles the template once and renders it N times with the same variables.
# Usage: bench/jinja.sh [N] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
build=${2:-build}
bench=$build/controller/template/template_bench
[ -x "$bench" ] || cmake --build "$build" --target template_bench >/dev/null
vars=bench/jinja/vars.json
for tmpl in bench/jinja/mlflow.env.j2 bench/jinja/config.j2; do
  ours=$("$bench" "$tmpl" "$vars" "$n" 2>/dev/null)
  theirs=$(/usr/bin/python3 - "$tmpl" "$vars" "$n" <<'PY'
import json, sys, time
import jinja2
src = open(sys.argv[1]).read()
vars = json.load(open(sys.argv[2]))
n = int(sys.argv[3])
env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
t = env.from_string(src)
t.render(vars)
start = time.perf_counter()
for _ in range(n):
    t.render(vars)
print(round(n / (time.perf_counter() - start)))
PY
)
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1f", a / b }')
  printf '%-32s tend %9s renders/s   jinja2 %8s renders/s   ratio %sx\n' "$(basename "$tmpl")" "$ours" "$theirs" "$ratio"
done
