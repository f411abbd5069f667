#!/usr/bin/env bash
# Inventory loading, tend vs ansible-inventory (issue 4): a generated inventory
# of 10,000 hosts in 200 groups (20 parents of 10 groups each), with
# group_vars files and inline vars, printed with --list by both tools; the
# outputs must be identical, and each tool is timed over the same files.
# Usage: bench/inventory.sh [HOSTS] [GROUPS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-10000}
groups=${2:-200}
build=${3:-build}
tend=$build/controller/cli/tend
[ -x "$tend" ] || cmake --build "$build" --target tend >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" "$hosts" "$groups" <<'PY'
import os, sys
d, hosts, groups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{d}/group_vars", exist_ok=True)
with open(f"{d}/hosts", "w") as f:
    for g in range(groups):
        f.write(f"[g{g:03d}]\n")
        for h in range(g, hosts, groups):
            f.write(f"node{h:05d} ansible_host=10.{h // 65536}.{h // 256 % 256}.{h % 256} idx={h}\n")
        f.write(f"\n[g{g:03d}:vars]\nslot={g}\n\n")
    for p in range(groups // 10):
        f.write(f"[parent{p:02d}:children]\n")
        for g in range(p * 10, p * 10 + 10):
            f.write(f"g{g:03d}\n")
        f.write("\n")
with open(f"{d}/group_vars/all.yml", "w") as f:
    f.write("ntp: pool.ntp.org\ndns: [1.1.1.1, 8.8.8.8]\n")
for g in range(groups):
    with open(f"{d}/group_vars/g{g:03d}.yml", "w") as f:
        f.write(f"group_id: {g}\nmlflow_port: {5000 + g}\nlabels: {{team: t{g % 7}, tier: {g % 3}}}\n")
for p in range(groups // 10):
    with open(f"{d}/group_vars/parent{p:02d}.yml", "w") as f:
        f.write(f"region: r{p}\n")
PY

# Best of 3 by wall time; prints "wall cpu" seconds (cpu = user + sys, which
# stays fair when other work shares the machine).
best() {
  local out=$1; shift
  local best_wall=999999 best_cpu=999999 line wall cpu
  for _ in 1 2 3; do
    /usr/bin/time -o "$dir/time" -f "%e %U %S" "$@" > "$out" 2>/dev/null
    line=$(tail -1 "$dir/time")
    wall=$(awk '{ print $1 }' <<<"$line")
    cpu=$(awk '{ print $2 + $3 }' <<<"$line")
    best_wall=$(awk -v a="$best_wall" -v c="$wall" 'BEGIN { print (c < a ? c : a) }')
    best_cpu=$(awk -v a="$best_cpu" -v c="$cpu" 'BEGIN { print (c < a ? c : a) }')
  done
  echo "$best_wall $best_cpu"
}

read -r ours_wall ours_cpu <<<"$(best "$dir/tend.json" "$tend" inventory -i "$dir/hosts" --list)"
read -r theirs_wall theirs_cpu <<<"$(best "$dir/ansible.json" ansible-inventory -i "$dir/hosts" --list)"
if cmp -s "$dir/tend.json" "$dir/ansible.json"; then same="identical output"; else same="OUTPUT DIFFERS"; fi
printf 'inventory --list, %d hosts / %d groups (best of 3)\n' "$hosts" "$groups"
printf '  wall: tend %6.2fs   ansible-inventory %6.2fs   %5.1fx\n' "$ours_wall" "$theirs_wall" \
  "$(awk -v a="$ours_wall" -v b="$theirs_wall" 'BEGIN { print b / a }')"
printf '  cpu:  tend %6.2fs   ansible-inventory %6.2fs   %5.1fx\n' "$ours_cpu" "$theirs_cpu" \
  "$(awk -v a="$ours_cpu" -v b="$theirs_cpu" 'BEGIN { print b / (a > 0 ? a : 0.01) }')"
echo "  $same"
