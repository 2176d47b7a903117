#!/usr/bin/env python
"""Benchmark: playbooks/preflight.yml across a fleet of simulated hosts, variant by variant.

Every host is this machine reached with the local connection, under its own inventory name and
its own interpreter path (a small wrapper per host, so that Mitogen, which shares one interpreter
between local hosts with the same path, opens one per host as it would on a real fleet). The
figures therefore measure Ansible's own cost per host (forks, strategy, module transfer, result
handling) around one virt_host_info run per host, not a network.

Three figures per run, each the median of --repeat runs:

  wall ms/host   elapsed time of ansible-playbook divided by the host count (the figure issue 19's
                 "232 ms" was). Here it includes running the module, on the same two cores.
  cpu ms/host    CPU time (user + sys) of the whole process tree of ansible-playbook (controller,
                 its workers, and the module interpreters) divided by the host count.
  ctl ms/host    the same minus the CPU of the module interpreters (each wrapper records it with
                 bash `times`): what the controller itself spends per host. On a real fleet the
                 modules run on the hosts; ssh encryption, absent here, would come on top.

Variants: the playbook as it was before issue 19 (`before`), the current one under its defaults,
then one change at a time: forks, strategy, fact gathering, pipelining, Mitogen. Writes a Markdown
table and a PNG plot to --out. Not a test: nothing here passes or fails on speed.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLAYBOOK = os.path.join(ROOT, "playbooks", "preflight.yml")
# preflight.yml before issue 19 (linear, an interpreter set_fact and a debug task per host).
BEFORE_COMMIT = "697ed24"
MITOGEN = os.environ.get("BENCH_MITOGEN", "mitogen==0.3.54")

WRAPPER = """#!/bin/bash
# Interpreter of bench host %(name)s: python, then the CPU time of this shell and its children.
%(python)s "$@"
rc=$?
times >"%(logdir)s/%(name)s.$$"
exit $rc
"""


def variants(default_forks):
    """(name, what differs, forks, strategy, playbook edit, extra env, extra ansible-playbook args)."""
    f = default_forks
    return [
        ("before", "preflight.yml before issue 19, forks 10", 10, "linear", "before", {}, []),
        ("default", "preflight.yml and ansible.cfg as shipped", f, "free", None, {}, []),
        ("linear", "strategy linear", f, "linear", None, {}, []),
        ("forks 10", "forks 10", 10, "free", None, {}, []),
        ("forks 50", "forks 50", 50, "free", None, {}, []),
        ("facts min", "gather_facts with gather_subset min", f, "free", "facts_min", {}, []),
        ("literal switches", "the probe's two switches written as values, no template", f, "free", "literal", {}, []),
        ("no pipelining", "pipelining off", f, "free", None, {"ANSIBLE_PIPELINING": "False"}, []),
        ("mitogen linear", "Mitogen strategy mitogen_linear", f, "mitogen_linear", None, {}, []),
    ]


def playbook_for(edit, workdir):
    if edit is None:
        return PLAYBOOK
    path = os.path.join(workdir, "preflight-%s.yml" % edit)
    if edit == "before":
        text = subprocess.run(["git", "show", "%s:playbooks/preflight.yml" % BEFORE_COMMIT], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    elif edit == "facts_min":
        with open(PLAYBOOK) as handle:
            text = handle.read()
        text, count = re.subn(r"(?m)^(\s*)gather_facts: false$", r"\1gather_facts: true\n\1gather_subset: [min]", text, count=1)
        if count != 1:
            raise SystemExit("preflight.yml: no 'gather_facts: false' line to turn on in the probe play")
    elif edit == "literal":
        # What the probe's templated switches cost: the values the bench passes, written out.
        with open(PLAYBOOK) as handle:
            text = handle.read()
        for pattern, value in ((r'"\{\{ preflight_guest_exec [^"]*"', "false"),
                               (r'"\{\{ preflight_require_kvm [^"]*"', "false")):
            text, count = re.subn(pattern, value, text)
            if count != 1:
                raise SystemExit("preflight.yml: no single %s to write as a value" % pattern)
    with open(path, "w") as handle:
        handle.write(text)
    return path


def write_inventory(workdir, count, logdir):
    pydir = os.path.join(workdir, "py")
    os.makedirs(pydir, exist_ok=True)
    path = os.path.join(workdir, "hosts-%d.ini" % count)
    with open(path, "w") as handle:
        handle.write("[bench]\n")
        for i in range(count):
            name = "bench%03d" % i
            wrapper = os.path.join(pydir, name)
            with open(wrapper, "w") as script:
                script.write(WRAPPER % dict(name=name, python=sys.executable, logdir=logdir))
            os.chmod(wrapper, 0o755)
            handle.write("%s ansible_connection=local ansible_python_interpreter=%s\n" % (name, wrapper))
    return path


def interpreter_cpu(logdir):
    total = 0.0
    for entry in os.listdir(logdir):
        with open(os.path.join(logdir, entry)) as handle:
            for minutes, seconds in re.findall(r"(\d+)m([\d.]+)s", handle.read()):
                total += int(minutes) * 60 + float(seconds)
    return total


def mitogen_path(out):
    """Mitogen in a directory of its own under --out (never the project's venv): its strategy plugins."""
    target = os.path.join(out, MITOGEN.replace("==", "-"))
    plugins = os.path.join(target, "ansible_mitogen", "plugins", "strategy")
    if not os.path.isdir(plugins):
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, MITOGEN],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-2000:])
            return None
    return plugins


def run_once(inventory, logdir, forks, strategy, playbook, env_extra, args_extra, plugins):
    for entry in os.listdir(logdir):
        os.unlink(os.path.join(logdir, entry))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", **env_extra)
    if strategy.startswith("mitogen"):
        env["ANSIBLE_STRATEGY_PLUGINS"] = plugins
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-f", str(forks),
           "-e", "preflight_guest_exec=false", "-e", "labforge_preflight_strategy=%s" % strategy] + args_extra + [playbook]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise RuntimeError("preflight failed (exit %d)" % proc.returncode)
    return elapsed, cpu, interpreter_cpu(logdir), verdicts(proc.stdout)


def verdicts(stdout):
    """Every host's kvm_usable, from the json callback: the variants must agree with each other."""
    data, dummy = json.JSONDecoder().raw_decode(stdout[stdout.index("{"):])
    found = {}
    for play in data["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if "kvm_usable" in result:
                    found[host] = result["kvm_usable"]
    return found


def plot(rows, hosts, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot written")
        return
    names = [r["variant"] for r in rows]
    ys = range(len(rows))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    ax.barh([y + 0.2 for y in ys], [r["wall_ms"] for r in rows], height=0.4, label="wall ms/host")
    ax.barh([y - 0.2 for y in ys], [r["ctl_ms"] for r in rows], height=0.4, label="controller CPU ms/host")
    ax.axvline(100, color="tab:red", linestyle="--", linewidth=1, label="aim: 100 ms")
    ax.set_yticks(list(ys))
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xlabel("ms per host (median)")
    ax.set_title("preflight.yml, %d hosts (local connection, 2 cores)" % hosts)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print("plot: %s" % png)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=int(os.environ.get("BENCH_HOSTS", "200")))
    parser.add_argument("--forks", type=int, default=int(os.environ.get("BENCH_FORKS", "25")),
                        help="forks of the variants that do not set their own (default 25, as ansible.cfg)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "3")))
    parser.add_argument("--only", default=os.environ.get("BENCH_VARIANTS", ""),
                        help="comma-separated variant names (default: all)")
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bench"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    chosen = [v for v in variants(args.forks) if not args.only or v[0] in args.only.split(",")]
    plugins = mitogen_path(args.out) if any(v[3].startswith("mitogen") for v in chosen) else None
    rows, skipped = [], []
    workdir = tempfile.mkdtemp(prefix="preflight-bench-")
    try:
        logdir = os.path.join(workdir, "cpu")
        os.makedirs(logdir)
        inventory = write_inventory(workdir, args.hosts, logdir)
        runs = {}
        reference = None
        # Rounds, not variant after variant: a burst of load from a neighbour spreads over all.
        for round_no in range(args.repeat):
            for name, dummy_what, forks, strategy, edit, env_extra, args_extra in chosen:
                if name in skipped:
                    continue
                if strategy.startswith("mitogen") and plugins is None:
                    skipped.append(name)
                    print("%s: skipped, %s did not install" % (name, MITOGEN))
                    continue
                try:
                    elapsed, cpu, target, found = run_once(inventory, logdir, forks, strategy,
                                                           playbook_for(edit, workdir), env_extra, args_extra, plugins)
                except RuntimeError as exc:
                    skipped.append(name)
                    print("%s: skipped, %s" % (name, exc))
                    continue
                if len(found) != args.hosts:
                    raise SystemExit("%s: %d hosts reported a verdict, not %d" % (name, len(found), args.hosts))
                reference = reference or found
                if found != reference:
                    raise SystemExit("%s: verdicts differ from the first variant's" % name)
                runs.setdefault(name, []).append((elapsed, cpu, target))
                print("round %d %-15s %6.1f s wall, %6.1f s cpu, %6.1f s in module interpreters"
                      % (round_no + 1, name, elapsed, cpu, target), flush=True)
        for name, what, forks, strategy, dummy_edit, dummy_env, dummy_args in chosen:
            if name not in runs:
                continue
            wall = statistics.median(r[0] for r in runs[name])
            cpu = statistics.median(r[1] for r in runs[name])
            ctl = statistics.median(r[1] - r[2] for r in runs[name])
            rows.append(dict(variant=name, what=what, hosts=args.hosts, forks=forks, strategy=strategy,
                             total=wall, wall_ms=wall / args.hosts * 1000, cpu_ms=cpu / args.hosts * 1000,
                             ctl_ms=ctl / args.hosts * 1000, runs=len(runs[name])))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table = ["| variant | what differs | hosts | forks | strategy | total s | wall ms/host | cpu ms/host | ctl ms/host |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|"]
    table += ["| %(variant)s | %(what)s | %(hosts)d | %(forks)d | %(strategy)s | %(total).1f | %(wall_ms).0f | %(cpu_ms).0f "
              "| %(ctl_ms).0f |" % r for r in rows]
    load = os.getloadavg()
    footer = ("median of %d runs each; %d cores, load average at the end %.1f/%.1f/%.1f; ansible-playbook %s"
              % (args.repeat, os.cpu_count(), load[0], load[1], load[2], sys.executable))
    with open(os.path.join(args.out, "preflight_fleet.md"), "w") as handle:
        handle.write("\n".join(table) + "\n\n" + footer + "\n")
    print("\n".join(table))
    print(footer)
    for name in skipped:
        print("not measured: %s" % name)
    if rows:
        plot(rows, args.hosts, os.path.join(args.out, "preflight_fleet.png"))


if __name__ == "__main__":
    main()
