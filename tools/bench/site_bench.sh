#!/usr/bin/env bash
# Benchmark: site.yml on a fresh lab (converge), then again (second run), with the slowest
# tasks from profile_tasks. Writes bench/results/site.md. Not a test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=bench/results; mkdir -p "$out"

tools/lab/lab down >/dev/null
tools/lab/lab create >/dev/null

run() {  # run NAME -> seconds, log in $out/site-NAME.log
  local start end
  start=$(date +%s%N)
  ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks PROFILE_TASKS_TASK_OUTPUT_LIMIT=10 \
    tools/lab/lab site >"$out/site-$1.log" 2>&1 \
    || { tail -n 30 "$out/site-$1.log" >&2; echo "site.yml failed ($1)" >&2; exit 1; }
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }'
}
first=$(run converge)
second=$(run second)
changed=$(grep -E '^[a-z0-9-]+ +: ok=' "$out/site-second.log" | sed -E 's/.*changed=([0-9]+).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
{
  echo "| run | wall time (s) |"
  echo "|---|---:|"
  echo "| converge (fresh lab) | $first |"
  echo "| second run | $second (changed=$changed in total) |"
  echo
  echo "Slowest tasks of the converge (profile_tasks):"
  echo
  echo '```'
  sed -n '/^TASKS RECAP/,$p' "$out/site-converge.log" | grep -E -- ' -+ [0-9.]+s$' | head -n 10
  echo '```'
} | tee "$out/site.md"
