#!/usr/bin/env bash
# Benchmark (not a test): wall time of labforge.virt.docker_host on one fresh dind host,
# first converge and second (idempotent) run, printed as a table.
#   tools/bench/docker_host_bench.sh [RUNS]      RUNS = repetitions of the pair (default 1)
# Needs: make venv link images (the lab base image) and a local Docker engine.
# Creates container bench-docker_host, its volume and network, and removes them on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-1}
name=bench-docker_host
net=bench-docker_host
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.build/collections"
export ANSIBLE_CONFIG="$root/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1
work=$(mktemp -d /tmp/docker_host_bench.XXXXXX)

lab() {  # lab up|down: reuse the lab's container tasks so the host matches the Molecule one
  cat >"$work/lab.yml" <<YAML
- name: Bench host $1
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files: ["$root/tools/lab/profiles.yml"]
  vars:
    lab_network: $net
    lab_instance: {name: $name, profile: dind}
  tasks:
    - name: Network
      community.docker.docker_network: {name: $net}
      when: "'$1' == 'up'"
    - name: Container
      ansible.builtin.include_tasks: "$root/tools/lab/tasks/container-$1.yml"
    - name: Network gone
      community.docker.docker_network: {name: $net, state: absent}
      when: "'$1' == 'down'"
YAML
  ansible-playbook -i localhost, -e "ansible_python_interpreter=$root/.venv/bin/python" "$work/lab.yml" >"$work/lab-$1.log" 2>&1 \
    || { tail -n 30 "$work/lab-$1.log" >&2; return 1; }
}
cleanup() { lab down || true; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/inventory.yml" <<YAML
docker_hosts:
  hosts:
    $name:
      ansible_connection: community.docker.docker
YAML

converge() {  # prints "seconds changed"
  local start end log=$work/run.log
  start=$(date +%s.%N)
  ansible-playbook -i "$work/inventory.yml" "$root/playbooks/docker_hosts.yml" >"$log" 2>&1 \
    || { tail -n 40 "$log" >&2; return 1; }
  end=$(date +%s.%N)
  printf '%.1f %s\n' "$(echo "$end - $start" | bc)" "$(grep -oE 'changed=[0-9]+' "$log" | tail -1 | cut -d= -f2)"
}

rows=()
for i in $(seq 1 "$runs"); do
  lab down >/dev/null 2>&1 || true
  lab up
  read -r t1 c1 < <(converge)
  read -r t2 c2 < <(converge)
  rows+=("$i $t1 $c1 $t2 $c2")
done

printf '\nlabforge.virt.docker_host on one Debian %s dind container (%s, %s cores, load %s)\n' "${LABFORGE_SUITE:-trixie}" \
  "$(docker version --format '{{.Server.Version}}' 2>/dev/null)" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
printf '%-4s | %-16s | %-8s | %-16s | %-8s\n' run "converge (s)" changed "second run (s)" changed
printf '%s\n' "-----+------------------+----------+------------------+---------"
for r in "${rows[@]}"; do
  # shellcheck disable=SC2086
  set -- $r
  printf '%-4s | %16s | %8s | %16s | %8s\n' "$1" "$2" "$3" "$4" "$5"
done
