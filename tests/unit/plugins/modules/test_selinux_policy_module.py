# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""selinux_policy_module against a stand-in semodule: a small program on PATH that keeps a policy
store in a directory (libsemanage's layout: modules/PRIORITY/NAME/{cil,hll}, bzip2-compressed),
starts from a real Debian 13 listing and logs every call, so the tests see exactly which semodule
commands the module runs (and that check mode runs none that change)."""

import bz2
import json
import os
import textwrap

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.labforge.virt.plugins.module_utils._semodule import parse_full_listing
from ansible_collections.labforge.virt.plugins.modules import selinux_policy_module

from conftest import put_on_path

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'semodule')

FAKE_SEMODULE = textwrap.dedent('''\
    #!{python}
    """A policy store in STORE/state.json: {{name: {{"priorities": {{prio: ext}}, "enabled": bool}}}};
    module sources under STORE/var-lib-selinux/default/active/modules, as libsemanage keeps them."""
    import bz2, json, os, sys
    store = os.environ['FAKE_SEMODULE_STORE']

    def source(prio, name, ext):
        return os.path.join(store, 'var-lib-selinux', 'default', 'active', 'modules', prio, name,
                            'cil' if ext == 'cil' else 'hll')

    with open(os.path.join(store, 'calls.log'), 'a') as log:
        log.write(json.dumps(sys.argv[1:]) + '\\n')
    state = json.load(open(os.path.join(store, 'state.json')))
    args, prio, hll = sys.argv[1:], '400', '-H' in sys.argv
    if args == ['--list-modules=full']:
        for name in sorted(state):
            for p, ext in sorted(state[name]['priorities'].items()):
                print('%s %-16s %-10s %s' % (p.zfill(3), name, ext, '' if state[name]['enabled'] else 'disabled'))
        sys.exit(0)
    i = 0
    while i < len(args):
        op = args[i]
        arg = args[i + 1] if i + 1 < len(args) else None
        i += 2
        if op == '-H':
            i -= 1
        elif op == '-X':
            prio = arg
        elif op == '-i':
            name, ext = os.path.basename(arg).split('.')[0], os.path.basename(arg).split('.')[1]
            data = open(arg, 'rb').read()
            data = bz2.decompress(data) if data[:3] == b'BZh' else data
            os.makedirs(os.path.dirname(source(prio, name, ext)), exist_ok=True)
            open(source(prio, name, ext), 'wb').write(bz2.compress(data))
            state.setdefault(name, {{'priorities': {{}}, 'enabled': True}})['priorities'][prio] = ext
        elif op == '-r':
            if prio not in state.get(arg, {{}}).get('priorities', {{}}):
                sys.exit('semodule: no module %s at priority %s' % (arg, prio))
            del state[arg]['priorities'][prio]
            if not state[arg]['priorities']:
                del state[arg]
        elif op in ('-e', '-d'):
            state[arg]['enabled'] = op == '-e'
        elif op == '-E':
            ext = state[arg]['priorities'][prio]
            open('%s.%s' % (arg, ext), 'wb').write(bz2.decompress(open(source(prio, arg, ext), 'rb').read()))
        else:
            sys.exit('fake semodule: unknown %s' % op)
    json.dump(state, open(os.path.join(store, 'state.json'), 'w'))
''')


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store holding the real Debian 13 listing with the container module disabled."""
    with open(os.path.join(FIXTURES, 'trixie-list-full-container-disabled.txt')) as f:
        listing = parse_full_listing(f.read())
    state = dict((name, {'priorities': dict((str(p), e) for p, e in m['priorities'].items()), 'enabled': m['enabled']})
                 for name, m in listing.items())
    (tmp_path / 'state.json').write_text(json.dumps(state))
    container = tmp_path / 'var-lib-selinux' / 'default' / 'active' / 'modules' / '100' / 'container'
    container.mkdir(parents=True)
    (container / 'hll').write_bytes(bz2.compress(b'container module, as the policy package installed it'))
    (tmp_path / 'config').write_text('SELINUX=enforcing\nSELINUXTYPE=default\n')
    monkeypatch.setattr(selinux_policy_module, 'STORE_ROOT', str(tmp_path / 'var-lib-selinux'))
    monkeypatch.setattr(selinux_policy_module, 'SELINUX_CONFIG', str(tmp_path / 'config'))
    put_on_path(monkeypatch, tmp_path / 'bin', FAKE_SEMODULE, 'semodule')
    monkeypatch.setenv('FAKE_SEMODULE_STORE', str(tmp_path))
    return tmp_path


def calls(store):
    path = store / 'calls.log'
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def changing_calls(store):
    return [c for c in calls(store) if c != ['--list-modules=full'] and '-E' not in c]


def run(args, capsys, check_mode=False, diff=False):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            selinux_policy_module.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_enables_a_disabled_module_once(store, capsys):
    rc, out = run({'name': 'container'}, capsys)
    assert rc == 0 and out['changed'] is True
    assert out['semodule_args'] == ['-e', 'container']
    assert (out['installed'], out['priorities'], out['enabled']) == (True, [100], True)
    assert changing_calls(store) == [['-e', 'container']]
    rc, again = run({'name': 'container'}, capsys)
    assert again['changed'] is False and again['semodule_args'] == []
    assert changing_calls(store) == [['-e', 'container']]


def test_check_mode_predicts_and_changes_nothing(store, capsys):
    rc, out = run({'name': 'container'}, capsys, check_mode=True, diff=True)
    assert rc == 0 and out['changed'] is True and out['enabled'] is True
    assert out['diff'] == {'before': {'name': 'container', 'installed': True, 'priorities': [100], 'enabled': False},
                           'after': {'name': 'container', 'installed': True, 'priorities': [100], 'enabled': True}}
    assert changing_calls(store) == []


def test_cil_installed_at_400_then_reloaded_only_when_it_differs(store, tmp_path, capsys):
    cil = tmp_path / 'labforge_svirt.cil'
    cil.write_text('(allow virtd_t self (capability (sys_admin)))\n')
    rc, out = run({'name': 'labforge_svirt', 'src': str(cil)}, capsys)
    assert out['changed'] is True and out['priorities'] == [400] and out['enabled'] is True
    assert changing_calls(store) == [['-X', '400', '-i', str(cil)]]
    rc, same = run({'name': 'labforge_svirt', 'src': str(cil)}, capsys)
    assert same['changed'] is False
    cil.write_text('(allow virtd_t self (capability (sys_admin net_admin)))\n')
    rc, changed = run({'name': 'labforge_svirt', 'src': str(cil)}, capsys)
    assert changed['changed'] is True
    assert changing_calls(store)[-1] == ['-X', '400', '-i', str(cil)]


def test_a_bzip2_package_matching_the_store_is_not_reinstalled(store, tmp_path, capsys):
    pp = tmp_path / 'container.pp.bz2'
    pp.write_bytes(bz2.compress(b'container module, as the policy package installed it'))
    rc, out = run({'name': 'container', 'src': str(pp), 'priority': 100}, capsys)
    # Only the disabled state needed changing, not the content.
    assert out['semodule_args'] == ['-e', 'container']


def test_the_store_is_read_not_extracted(store, tmp_path, capsys):
    """Under enforcing SELinux semodule -E may not write into a temporary directory: the source is
    read from the store, and -E only runs where the store has no file for the module."""
    cil = tmp_path / 'labforge_svirt.cil'
    cil.write_text('(typeattribute stale)\n')
    run({'name': 'labforge_svirt', 'src': str(cil)}, capsys)
    run({'name': 'labforge_svirt', 'src': str(cil)}, capsys)
    assert [c for c in calls(store) if '-E' in c] == []
    (store / 'config').write_text('SELINUX=enforcing\n')  # no SELINUXTYPE: the store path is unknown
    rc, out = run({'name': 'labforge_svirt', 'src': str(cil)}, capsys)
    assert out['changed'] is False
    assert [c for c in calls(store) if '-E' in c] == [['-X', '400', '-E', 'labforge_svirt', '-H']]


def uninstalled_package(store, tmp_path, name):
    """Take NAME out of the stand-in store; a .pp.bz2 of it to install from."""
    state = json.loads((store / 'state.json').read_text())
    del state[name]
    (store / 'state.json').write_text(json.dumps(state))
    pp = tmp_path / ('%s.pp.bz2' % name)
    pp.write_bytes(bz2.compress(b'%s module' % name.encode()))
    return pp


def test_a_missing_module_is_installed_and_enabled_in_one_transaction(store, tmp_path, capsys):
    pp = uninstalled_package(store, tmp_path, 'container')
    rc, out = run({'name': 'container', 'src': str(pp), 'priority': 100}, capsys)
    assert out['changed'] is True and out['enabled'] is True
    assert changing_calls(store) == [['-X', '100', '-i', str(pp)]]


def test_absent_removes_its_priority_and_keeps_the_package_copy(store, tmp_path, capsys):
    cil = tmp_path / 'container.cil'
    cil.write_text('(typeattribute local_override)\n')
    run({'name': 'container', 'src': str(cil)}, capsys)
    rc, out = run({'name': 'container', 'state': 'absent'}, capsys)
    assert out['changed'] is True and out['priorities'] == [100]
    assert changing_calls(store)[-1] == ['-X', '400', '-r', 'container']
    rc, again = run({'name': 'container', 'state': 'absent'}, capsys)
    assert again['changed'] is False


def test_absent_module_that_was_never_loaded_changes_nothing(store, capsys):
    rc, out = run({'name': 'labforge_svirt', 'state': 'absent'}, capsys)
    assert rc == 0 and out['changed'] is False and out['installed'] is False
    assert changing_calls(store) == []


def test_disabled(store, capsys):
    rc, out = run({'name': 'podman', 'state': 'disabled'}, capsys)
    assert out['changed'] is False  # disabled in the snapshot already
    rc, out = run({'name': 'apache', 'state': 'disabled'}, capsys)
    assert out['changed'] is True and changing_calls(store) == [['-d', 'apache']]


@pytest.mark.parametrize('args, message', [
    ({'name': 'labforge_svirt'}, 'is not installed, and no src was given'),
    ({'name': '../etc/passwd'}, 'is not an SELinux module name'),
    ({'name': 'container', 'priority': 1000}, 'priority must be 1..999'),
    ({'name': 'container', 'state': 'absent', 'src': '/tmp/x.cil'}, 'src is only used with state=enabled'),
    ({'name': 'container', 'src': '/nonexistent/container.pp'}, 'does not exist'),
])
def test_bad_input_fails_before_any_change(store, capsys, args, message):
    rc, out = run(args, capsys)
    assert rc == 1 and out['failed'] is True and message in out['msg']
    assert changing_calls(store) == []


def test_several_modules_change_in_one_transaction(store, tmp_path, capsys):
    """docker_host enables container and docker: one semodule call, so one policy rebuild."""
    pp = uninstalled_package(store, tmp_path, 'docker')
    spec = {'priority': 100, 'modules': [{'name': 'container'}, {'name': 'docker', 'src': str(pp)}]}
    rc, out = run(spec, capsys, diff=True)
    assert rc == 0 and out['changed'] is True
    assert changing_calls(store) == [['-e', 'container', '-X', '100', '-i', str(pp)]]
    assert [(m['name'], m['priorities'], m['enabled']) for m in out['modules']] == [
        ('container', [100], True), ('docker', [100], True)]
    assert out['diff']['before']['docker']['installed'] is False and out['diff']['after']['docker']['installed'] is True
    assert 'name' not in out
    rc, again = run(spec, capsys)
    assert again['changed'] is False and again['semodule_args'] == []
    assert len(changing_calls(store)) == 1


def test_the_entries_take_the_task_state_unless_they_set_their_own(store, capsys):
    rc, out = run({'state': 'disabled', 'modules': [{'name': 'apache'}, {'name': 'container', 'state': 'enabled'}]},
                  capsys, check_mode=True)
    assert out['semodule_args'] == ['-d', 'apache', '-e', 'container']
    assert changing_calls(store) == []


@pytest.mark.parametrize('args, message', [
    ({'modules': [{'name': 'container'}, {'name': 'container', 'state': 'disabled'}]}, 'modules lists container more than once'),
    ({'modules': []}, 'modules is empty'),
    ({'modules': [{'name': 'container'}, {'name': 'labforge_svirt'}]}, 'labforge_svirt is not installed'),
    ({'modules': [{'name': 'container'}, {'name': 'x/y'}]}, 'is not an SELinux module name'),
    ({'name': 'container', 'modules': [{'name': 'docker'}]}, 'mutually exclusive'),
    ({'state': 'enabled'}, 'one of the following is required'),
])
def test_a_bad_entry_fails_the_whole_transaction_before_any_change(store, capsys, args, message):
    rc, out = run(args, capsys)
    assert rc == 1 and message in out['msg'], out
    assert changing_calls(store) == []
