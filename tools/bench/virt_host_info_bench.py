#!/usr/bin/env python
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark virt_host_info against `virt-host-validate qemu` on this machine (not a test).

Wall time of each way to ask "can this machine run KVM guests?":

  virt-host-validate qemu              libvirt's C tool (Debian: libvirt-clients)
  in-process gather()+evaluate()       the probes alone, Python already running
  python -c 'gather()+evaluate()'      the probes in a fresh interpreter
  module, run directly                 python plugins/modules/virt_host_info.py args.json (what runs on a target)
  ansible localhost -m ...             the whole controller round trip

Usage: tools/bench/virt_host_info_bench.py [--runs N] [--ansible-runs N] [--python PATH] [--json FILE]
"""

from __future__ import print_function

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
COLLECTIONS = os.path.join(ROOT, '.build', 'collections')


def ensure_link():
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'labforge', 'virt')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)


def timed(cmd, runs, env=None, check=True):
    times = []
    last = None
    for dummy in range(runs):
        start = time.perf_counter()
        last = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
        times.append(time.perf_counter() - start)
        if check and last.returncode != 0:
            raise SystemExit('%s failed (rc=%s): %s' % (' '.join(cmd), last.returncode, last.stderr.decode()[-2000:]))
    return times, last


def row(name, times):
    return {'name': name, 'runs': len(times), 'min_ms': min(times) * 1000, 'median_ms': statistics.median(times) * 1000,
            'max_ms': max(times) * 1000}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--ansible-runs', type=int, default=5)
    parser.add_argument('--python', default=sys.executable, help='interpreter for the module runs (needs ansible-core)')
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args()
    ensure_link()
    env = dict(os.environ, PYTHONPATH=COLLECTIONS, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    results = []
    load_before = '%.2f %.2f %.2f' % os.getloadavg()

    vhv = shutil.which('virt-host-validate')
    if vhv:
        times, dummy = timed([vhv, 'qemu'], args.runs, check=False)   # exits 1 when a check FAILs
        results.append(row('virt-host-validate qemu', times))
    else:
        print('virt-host-validate not found (apt-get install libvirt-clients): no baseline', file=sys.stderr)

    sys.path.insert(0, COLLECTIONS)
    from ansible_collections.labforge.virt.plugins.module_utils._virt_host import evaluate, gather
    times = []
    verdict = None
    for dummy in range(args.runs):
        start = time.perf_counter()
        verdict, dummy_checks = evaluate(gather())
        times.append(time.perf_counter() - start)
    results.append(row('in-process gather()+evaluate()', times))

    times, dummy = timed([args.python, '-c', 'pass'], args.runs, env=env)
    results.append(row('(python -c pass: interpreter start-up)', times))
    times, dummy = timed([args.python, '-c', 'import ansible.module_utils.basic'], args.runs, env=env)
    results.append(row('(python -c "import ansible.module_utils.basic")', times))

    snippet = ('from ansible_collections.labforge.virt.plugins.module_utils._virt_host import evaluate, gather; '
               'print(evaluate(gather())[0]["kvm_usable"])')
    times, dummy = timed([args.python, '-c', snippet], args.runs, env=env)
    results.append(row('python -c gather()+evaluate()', times))

    module = os.path.join(ROOT, 'plugins', 'modules', 'virt_host_info.py')
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': {}}, handle)
        args_file = handle.name
    try:
        times, last = timed([args.python, module, args_file], args.runs, env=env)
        direct = json.loads(last.stdout.decode())
        results.append(row('module, run directly', times))
    finally:
        os.unlink(args_file)

    ansible = os.path.join(os.path.dirname(args.python), 'ansible')
    if os.path.exists(ansible):
        times, dummy = timed([ansible, 'localhost', '-m', 'labforge.virt.virt_host_info'], args.ansible_runs, env=env)
        results.append(row('ansible localhost -m labforge.virt.virt_host_info', times))

    base = results[0]['median_ms'] if vhv else None
    print('%-52s %5s %9s %9s %9s %9s' % ('what', 'runs', 'min ms', 'median ms', 'max ms', 'x vhv'))
    for item in results:
        ratio = '%.2f' % (item['median_ms'] / base) if base else '-'
        print('%-52s %5d %9.1f %9.1f %9.1f %9s' % (item['name'], item['runs'], item['min_ms'], item['median_ms'],
                                                   item['max_ms'], ratio))
    print('verdict here: %s (module run: %s); load average before/after: %s / %s; python: %s'
          % (verdict['kvm_usable'], direct['kvm_usable'], load_before, '%.2f %.2f %.2f' % os.getloadavg(), args.python))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump({'results': results, 'kvm_usable': direct['kvm_usable'], 'python': args.python}, handle, indent=1)


if __name__ == '__main__':
    main()
