# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""selinux_boolean_grant against stand-ins for getsebool and setsebool: small programs on PATH that keep
the booleans in a file, starting from a real Debian 13 ``getsebool -a`` (SELinux enforcing), and log
every call, so the tests see which setsebool calls the module makes (none in check mode)."""

import json
import os
import textwrap

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.labforge.virt.plugins.module_utils._sebool_grants import parse_getsebool
from ansible_collections.labforge.virt.plugins.modules import selinux_boolean_grant

from conftest import FIXTURES, put_on_path

FAKE = textwrap.dedent('''\
    #!{python}
    import json, os, sys
    state_file = os.path.join(os.environ['FAKE_SEBOOL_DIR'], 'booleans.json')
    values = json.load(open(state_file))
    with open(os.path.join(os.environ['FAKE_SEBOOL_DIR'], 'calls.log'), 'a') as log:
        log.write(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]) + '\\n')
    if os.path.basename(sys.argv[0]) == 'getsebool':
        for name in sorted(values):
            print('%s --> %s' % (name, 'on' if values[name] else 'off'))
        sys.exit(0)
    assert sys.argv[1] == '-P'
    for arg in sys.argv[2:]:
        name, value = arg.split('=')
        if name not in values:
            sys.exit('Could not change active booleans: Invalid boolean')
        values[name] = value == '1'
    json.dump(values, open(state_file, 'w'))
''')


@pytest.fixture
def host(tmp_path, monkeypatch):
    with open(os.path.join(FIXTURES, 'selinux', 'trixie-getsebool-a.txt')) as f:
        (tmp_path / 'booleans.json').write_text(json.dumps(parse_getsebool(f.read())))
    put_on_path(monkeypatch, tmp_path / 'bin', FAKE, 'getsebool', 'setsebool')
    monkeypatch.setenv('FAKE_SEBOOL_DIR', str(tmp_path))
    return tmp_path


def booleans(host):
    return json.loads((host / 'booleans.json').read_text())


def setsebool_calls(host):
    path = host / 'calls.log'
    return [call[1:] for call in map(json.loads, path.read_text().splitlines()) if call[0] == 'setsebool']


def run(host, owner, wanted, capsys, check_mode=False, diff=False):
    args = dict(owner=owner, booleans=wanted, ledger=str(host / 'ledger' / 'selinux-booleans.json'),
                _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            selinux_boolean_grant.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_debian_ships_the_export_booleans_off(host):
    assert booleans(host)['nfs_export_all_ro'] is False and booleans(host)['nfs_export_all_rw'] is False


def test_grant_once_then_nothing_to_do(host, capsys):
    rc, out = run(host, 'nfs_server', ['nfs_export_all_ro', 'nfs_export_all_rw'], capsys)
    assert rc == 0 and out['changed'] is True
    assert out['turned_on'] == ['nfs_export_all_ro', 'nfs_export_all_rw'] and out['turned_off'] == []
    assert setsebool_calls(host) == [['-P', 'nfs_export_all_ro=1', 'nfs_export_all_rw=1']]
    assert booleans(host)['nfs_export_all_rw'] is True
    ledger = json.loads((host / 'ledger' / 'selinux-booleans.json').read_text())
    assert ledger['booleans']['nfs_export_all_rw'] == {'before': False, 'owners': ['nfs_server']}
    rc, again = run(host, 'nfs_server', ['nfs_export_all_ro', 'nfs_export_all_rw'], capsys)
    assert again['changed'] is False and len(setsebool_calls(host)) == 1


def test_withdrawal_by_the_last_owner(host, capsys):
    run(host, 'nfs_server', ['nfs_export_all_ro', 'nfs_export_all_rw'], capsys)
    run(host, 'shared_volume/data', ['nfs_export_all_rw'], capsys)
    rc, out = run(host, 'nfs_server', ['nfs_export_all_ro'], capsys)
    assert out['turned_off'] == [] and booleans(host)['nfs_export_all_rw'] is True
    rc, out = run(host, 'shared_volume/data', [], capsys)
    assert out['changed'] is True and out['turned_off'] == ['nfs_export_all_rw'] and out['granted'] == []
    assert booleans(host)['nfs_export_all_rw'] is False and booleans(host)['nfs_export_all_ro'] is True
    assert setsebool_calls(host)[-1] == ['-P', 'nfs_export_all_rw=0']


def test_check_mode_tells_and_sets_nothing(host, capsys):
    rc, out = run(host, 'nfs_server', ['nfs_export_all_rw'], capsys, check_mode=True, diff=True)
    assert out['changed'] is True and out['turned_on'] == ['nfs_export_all_rw']
    assert out['diff'][0]['before'] == 'nfs_export_all_rw --> off\n' and out['diff'][0]['after'] == 'nfs_export_all_rw --> on\n'
    assert '"owners": [\n        "nfs_server"\n      ]' in out['diff'][1]['after']
    assert setsebool_calls(host) == [] and not (host / 'ledger').exists()


def test_booleans_the_policy_lacks_are_returned(host, capsys):
    rc, out = run(host, 'shared_volume/data', ['virt_sandbox_use_nfs', 'container_use_nfs'], capsys)
    assert out['missing'] == [name for name in ['virt_sandbox_use_nfs', 'container_use_nfs'] if name not in booleans(host)]
    assert 'container_use_nfs' in booleans(host) and out['turned_on'] == ['container_use_nfs']


def test_a_ledger_it_did_not_write_stops_it_before_any_change(host, capsys):
    (host / 'ledger').mkdir()
    (host / 'ledger' / 'selinux-booleans.json').write_text('{"booleans": []}')
    rc, out = run(host, 'nfs_server', ['nfs_export_all_rw'], capsys)
    assert rc == 1 and 'not one this collection wrote' in out['msg']
    assert setsebool_calls(host) == []
