#!/usr/bin/env bash
# Ad-hoc speed (issue 3): `tend run -m command` and `tend facts` against
# `ansible -m command` and `ansible -m setup` (forks 10, pipelining on) and
# against ten parallel plain `ssh host cmd` logins, on the same ten hosts.
#
# Usage: bench/adhoc.sh [INVENTORY] [BUILD_DIR]
#   INVENTORY  an INI inventory of the hosts (e.g. a lab's inventory.ini).
#              Without one, ten sshd processes are started on 127.0.0.1
#              (ports 2401-2410, this machine as the "hosts"; needs root).
# Each measurement is the median wall time of 5 runs after one warm-up run
# (the warm-up uploads tend's agent and lets Ansible cache what it caches).
set -euo pipefail
cd "$(dirname "$0")/.."
inventory=${1:-}
build=${2:-build}
tend=$PWD/$build/controller/cli/tend
runs=5
work=$(mktemp -d /tmp/tend-bench-adhoc.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_local_hosts() {
  mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$work/key"
  cp "$work/key.pub" "$work/authorized_keys"
  : > "$work/known_hosts"
  {
    echo "[bench]"
    for i in $(seq 1 10); do
      port=$((2400 + i))
      ssh-keygen -q -t ed25519 -N '' -f "$work/host$i"
      cat > "$work/sshd$i" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/host$i
PidFile $work/sshd$i.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
UsePAM no
StrictModes no
MaxStartups 100
CFG
      /usr/sbin/sshd -f "$work/sshd$i"
      echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host$i.pub")" >> "$work/known_hosts"
      echo "b$i ansible_host=127.0.0.1 ansible_port=$port"
    done
    echo "[bench:vars]"
    echo "ansible_user=root"
    echo "ansible_ssh_private_key_file=$work/key"
    echo "ansible_python_interpreter=/usr/bin/python3"
    echo "ansible_ssh_common_args='-o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes'"
  } > "$work/inventory.ini"
  sleep 0.5
  for i in $(seq 1 10); do pids+=("$(cat "$work/sshd$i.pid")"); done
  inventory=$work/inventory.ini
}

[ -n "$inventory" ] || start_local_hosts

# The hosts' connection settings, for plain ssh, from the inventory itself.
mapfile -t ssh_cmds < <("$tend" inventory -i "$inventory" --list 2>/dev/null | python3 -c '
import json, shlex, sys
inv = json.load(sys.stdin)
for name, v in inv["_meta"]["hostvars"].items():
    args = ["ssh", "-o", "BatchMode=yes", "-p", str(v.get("ansible_port", 22))]
    if "ansible_ssh_private_key_file" in v: args += ["-i", v["ansible_ssh_private_key_file"]]
    args += shlex.split(v.get("ansible_ssh_common_args", ""))
    args.append("%s@%s" % (v.get("ansible_user", "root"), v.get("ansible_host", name)))
    print(shlex.join(args))
')

plain_ssh() {
  for c in "${ssh_cmds[@]}"; do eval "$c cat /proc/uptime" >/dev/null & done
  wait
}

export ANSIBLE_PIPELINING=1 ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_FORKS=10
export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_DEPRECATION_WARNINGS=False

median_time() {  # median wall seconds of "$@" over $runs runs, after one warm-up
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
  done | sort -n | sed -n "$(((runs + 1) / 2))p"
}

cmd=(all -i "$inventory" -m command -a 'cat /proc/uptime' -f 10)
t_tend=$(median_time "$tend" run "${cmd[@]}")
t_ansible=$(median_time ansible "${cmd[@]}")
t_ssh=$(median_time plain_ssh)
t_tend_facts=$(median_time "$tend" facts all -i "$inventory" -f 10)
t_ansible_setup=$(median_time ansible all -i "$inventory" -m setup -f 10)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
printf '%-44s %8.3f s\n' "tend run -m command (10 hosts)" "$t_tend"
printf '%-44s %8.3f s\n' "ansible -m command (forks 10, pipelining)" "$t_ansible"
printf '%-44s %8.3f s\n' "10 parallel plain ssh logins" "$t_ssh"
printf '%-44s %8.3f s\n' "tend facts" "$t_tend_facts"
printf '%-44s %8.3f s\n' "ansible -m setup" "$t_ansible_setup"
echo "command: ansible/tend $(ratio "$t_ansible" "$t_tend")x   tend/plain-ssh $(ratio "$t_tend" "$t_ssh")x"
echo "facts:   ansible/tend $(ratio "$t_ansible_setup" "$t_tend_facts")x   tend/plain-ssh $(ratio "$t_tend_facts" "$t_ssh")x"
