#!/usr/bin/env python
"""Benchmark: playbooks/preflight.yml across 1, 10, 50 and 200 hosts (local connection).

Every host is this machine reached with the local connection, so the figures measure
Ansible's own overhead per host (forks, module transfer, result handling) around
virt_host_info, not a network. Writes a Markdown table and a PNG plot of time against
host count. Not a test: nothing here passes or fails on speed.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def write_inventory(path, count):
    with open(path, "w") as handle:
        handle.write("[bench]\n")
        for i in range(count):
            handle.write("bench%03d ansible_connection=local ansible_python_interpreter=%s\n" % (i, sys.executable))


def run_once(count, forks, workdir):
    inventory = os.path.join(workdir, "hosts-%d.ini" % count)
    write_inventory(inventory, count)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.null")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
           "-f", str(forks), "-e", "preflight_guest_exec=false",
           os.path.join(ROOT, "playbooks", "preflight.yml")]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit("preflight failed on %d hosts (exit %d)" % (count, proc.returncode))
    return elapsed


def plot(rows, forks, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot written (make bench installs it)")
        return
    counts = [r[0] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(counts, [r[1] for r in rows], marker="o", label="wall time (s)")
    ax.set_xlabel("hosts (local connection)")
    ax.set_ylabel("seconds")
    ax.set_title("preflight.yml, forks=%d" % forks)
    ax2 = ax.twinx()
    ax2.plot(counts, [r[2] * 1000 for r in rows], marker="s", color="tab:orange", label="ms per host")
    ax2.set_ylabel("ms per host")
    fig.legend(loc="upper left", bbox_to_anchor=(0.12, 0.88))
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print("plot: %s" % png)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,10,50,200")
    parser.add_argument("--forks", type=int, default=int(os.environ.get("BENCH_FORKS", "10")))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for count in [int(c) for c in args.counts.split(",")]:
            elapsed = run_once(count, args.forks, workdir)
            rows.append((count, elapsed, elapsed / count))
            print("preflight %4d hosts: %7.2f s  (%6.1f ms/host)" % (count, elapsed, elapsed / count * 1000))
    table = ["| hosts | forks | wall time (s) | per host (ms) |", "|---:|---:|---:|---:|"]
    table += ["| %d | %d | %.2f | %.1f |" % (c, args.forks, e, p * 1000) for c, e, p in rows]
    with open(os.path.join(args.out, "preflight_scale.md"), "w") as handle:
        handle.write("\n".join(table) + "\n")
    print("\n".join(table))
    plot(rows, args.forks, os.path.join(args.out, "preflight_scale.png"))


if __name__ == "__main__":
    main()
