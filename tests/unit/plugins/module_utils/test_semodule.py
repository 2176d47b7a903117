# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_semodule: the real Debian 13 listing, and the operations planned from it."""

import bz2
import os

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._semodule import (
    SemoduleError, after, module_bytes, module_state, parse_full_listing, plan, policy_type, stored_source, valid_name,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'semodule')


def listing(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return parse_full_listing(f.read())


def test_real_listing_parses_every_line():
    modules = listing('trixie-list-full.txt')
    assert len(modules) == 351
    assert modules['container'] == {'priorities': {100: 'pp'}, 'enabled': True}
    # Debian ships a few modules disabled.
    assert modules['aisexec']['enabled'] is False


def test_disabled_flag_is_read():
    modules = listing('trixie-list-full-container-disabled.txt')
    assert sorted(n for n in ('container', 'crio', 'docker', 'kubernetes', 'podman', 'apache')
                  if not modules[n]['enabled']) == ['container', 'crio', 'docker', 'kubernetes', 'podman']


def test_several_priorities_of_one_module():
    modules = parse_full_listing('100 container pp\n400 container cil\n400 labforge_svirt cil disabled\n')
    assert module_state(modules, 'container') == {'installed': True, 'priorities': [100, 400], 'enabled': True}
    assert module_state(modules, 'labforge_svirt')['enabled'] is False
    assert module_state(modules, 'missing') == {'installed': False, 'priorities': [], 'enabled': False}


@pytest.mark.parametrize('line', ['container pp', '100 container pp whatever', 'x100 container pp'])
def test_unexpected_lines_are_refused(line):
    with pytest.raises(SemoduleError):
        parse_full_listing(line)


def state(installed=True, priorities=(100,), enabled=True):
    return {'installed': installed, 'priorities': list(priorities), 'enabled': enabled}


@pytest.mark.parametrize('current, wanted, src_needed, ops', [
    (state(), 'enabled', None, []),
    (state(enabled=False), 'enabled', None, ['-e', '{name}']),
    (state(enabled=False), 'enabled', False, ['-e', '{name}']),
    (state(enabled=False), 'enabled', True, ['-X', '400', '-i', '{src}', '-e', '{name}']),
    (state(False, ()), 'enabled', True, ['-X', '400', '-i', '{src}']),
    (state(), 'disabled', None, ['-d', '{name}']),
    (state(False, ()), 'disabled', None, []),
    (state(priorities=(100, 400)), 'absent', None, ['-X', '400', '-r', '{name}']),
    (state(), 'absent', None, []),
])
def test_plan(current, wanted, src_needed, ops):
    assert plan(current, wanted, 400, src_needed) == ops


def test_plan_refuses_enabling_what_is_not_there_without_a_source():
    with pytest.raises(SemoduleError, match='no src'):
        plan(state(False, ()), 'enabled', 400, None)


def test_after_predicts_the_state():
    assert after(state(priorities=(100, 400)), 'absent', 400, ['-X', '400', '-r', '{name}']) == state()
    assert after(state(priorities=(400,)), 'absent', 400, ['x']) == state(False, (), False)
    assert after(state(False, ()), 'enabled', 400, ['-X', '400', '-i', '{src}']) == state(True, (400,), True)
    assert after(state(enabled=False), 'enabled', 400, ['-e', '{name}']) == state()
    assert after(state(), 'disabled', 400, ['x']) == state(enabled=False)


def test_module_bytes_decompresses_bzip2_only():
    assert module_bytes(bz2.compress(b'pp body')) == b'pp body'
    assert module_bytes(b'(allow a b (c (d)))') == b'(allow a b (c (d)))'


@pytest.mark.parametrize('name, ok', [('container', True), ('labforge_svirt', True), ('', False),
                                      ('../x', False), ('a b', False), ('9lives', False)])
def test_valid_name(name, ok):
    assert valid_name(name) is ok


def test_policy_type_from_the_config():
    assert policy_type('# comment\nSELINUX=enforcing\nSELINUXTYPE=default\n') == 'default'
    assert policy_type('SELINUXTYPE="targeted"') == 'targeted'
    assert policy_type('SELINUX=enforcing\n') is None


def test_stored_source_follows_libsemanage_layout():
    assert stored_source('/var/lib/selinux', 'default', 100, 'container', 'pp') == \
        '/var/lib/selinux/default/active/modules/100/container/hll'
    assert stored_source('/var/lib/selinux', 'default', 400, 'labforge_svirt', 'cil') == \
        '/var/lib/selinux/default/active/modules/400/labforge_svirt/cil'
