#!/usr/bin/env bash
# The cost of run records: bench.yml re-run on lab hosts with records off and
# on (SQLite), alternating so both see the same machine load, N rounds each.
# Prints each round and the medians; issue 20 asks for at most 5% more.
#
#   bench/records.sh [--hosts 10] [--rounds 7] [--name records-bench]
#
# Needs root (it starts lab hosts) and a built tree (scripts/build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
hosts=10
rounds=7
name=records-bench
while (($#)); do
  case $1 in
    --hosts) hosts=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    *) echo "bench/records.sh: unknown option $1" >&2; exit 5 ;;
  esac
done
tend=$root/build/controller/cli/tend
work=$(mktemp -d /tmp/tend-records-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
inv=$work/hosts.ini
"$tend" lab up --name "$name" -n "$hosts" --write-inventory "$inv" >&2
play() { "$tend" play -i "$inv" -f "$hosts" "$@" "$root/bench/workloads/bench.yml" >"$work/last.log" 2>&1; }
# Converge first: what is measured is the idempotent re-run.
play --records off

seconds() {
  local start end
  start=$(date +%s.%N)
  play "$@" || { tail -20 "$work/last.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
off=() on=()
for ((i = 1; i <= rounds; i++)); do
  off+=("$(seconds --records off)")
  on+=("$(seconds --records "$work/records.db")")
  echo "round $i: off ${off[-1]}s, on ${on[-1]}s" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_off=$(median "${off[@]}")
m_on=$(median "${on[@]}")
echo "bench.yml re-run, $hosts hosts, $rounds rounds: records off ${m_off}s, on ${m_on}s" \
  "($(echo "scale=1; 100 * ($m_on - $m_off) / $m_off" | bc)%)"
echo "runs recorded: $("$tend" history --records "$work/records.db" --json -n 1000 | grep -c '"id"')" >&2
