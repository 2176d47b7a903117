# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SELinux booleans granted by owners and withdrawn by the last one, never below what the host had."""

import json

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._sebool_grants import (
    GrantError, dump_ledger, parse_getsebool, parse_ledger, plan, setsebool_args)

# Debian's refpolicy: export booleans off; Fedora ships nfs_export_all_ro on.
HOST = {'nfs_export_all_ro': False, 'nfs_export_all_rw': False, 'virt_use_nfs': False, 'httpd_can_network_connect': True}


def test_an_owner_switches_on_what_is_off_and_records_what_it_found():
    change = plan(HOST, {}, 'nfs_server', ['nfs_export_all_ro', 'nfs_export_all_rw'])
    assert change['turn_on'] == ['nfs_export_all_ro', 'nfs_export_all_rw']
    assert change['turn_off'] == [] and change['missing'] == []
    assert change['ledger'] == {
        'nfs_export_all_ro': {'before': False, 'owners': ['nfs_server']},
        'nfs_export_all_rw': {'before': False, 'owners': ['nfs_server']}}


def test_a_second_run_changes_nothing():
    first = plan(HOST, {}, 'nfs_server', ['nfs_export_all_rw'])
    now = dict(HOST, nfs_export_all_rw=True)
    second = plan(now, first['ledger'], 'nfs_server', ['nfs_export_all_rw'])
    assert second == {'turn_on': [], 'turn_off': [], 'missing': [], 'ledger': first['ledger']}


def test_letting_go_switches_back_off_what_was_off():
    ledger = plan(HOST, {}, 'nfs_server', ['nfs_export_all_ro', 'nfs_export_all_rw'])['ledger']
    now = dict(HOST, nfs_export_all_ro=True, nfs_export_all_rw=True)
    change = plan(now, ledger, 'nfs_server', ['nfs_export_all_ro'])
    assert change['turn_off'] == ['nfs_export_all_rw'] and change['turn_on'] == []
    assert change['ledger'] == {'nfs_export_all_ro': {'before': False, 'owners': ['nfs_server']}}


def test_what_was_on_before_stays_on():
    ledger = plan(HOST, {}, 'web', ['httpd_can_network_connect'])['ledger']
    assert ledger == {'httpd_can_network_connect': {'before': True, 'owners': ['web']}}
    change = plan(HOST, ledger, 'web', [])
    assert change['turn_off'] == [] and change['ledger'] == {}


def test_the_last_owner_to_let_go_switches_off():
    ledger = plan(HOST, {}, 'nfs_server', ['virt_use_nfs'])['ledger']
    now = dict(HOST, virt_use_nfs=True)
    ledger = plan(now, ledger, 'shared_volume/data', ['virt_use_nfs'])['ledger']
    assert ledger['virt_use_nfs'] == {'before': False, 'owners': ['nfs_server', 'shared_volume/data']}
    first = plan(now, ledger, 'nfs_server', [])
    assert first['turn_off'] == []
    assert first['ledger']['virt_use_nfs']['owners'] == ['shared_volume/data']
    last = plan(now, first['ledger'], 'shared_volume/data', [])
    assert last['turn_off'] == ['virt_use_nfs'] and last['ledger'] == {}


def test_a_boolean_someone_switched_off_by_hand_is_switched_on_again():
    ledger = plan(HOST, {}, 'nfs_server', ['nfs_export_all_rw'])['ledger']
    assert plan(HOST, ledger, 'nfs_server', ['nfs_export_all_rw'])['turn_on'] == ['nfs_export_all_rw']


def test_booleans_the_policy_lacks_are_reported_not_set():
    change = plan(HOST, {}, 'shared_volume/data', ['virt_use_nfs', 'container_use_nfs', 'virt_use_nfs'])
    assert change['turn_on'] == ['virt_use_nfs']
    assert change['missing'] == ['container_use_nfs']
    assert list(change['ledger']) == ['virt_use_nfs']


def test_the_ledger_passed_in_is_not_modified():
    ledger = plan(HOST, {}, 'a', ['virt_use_nfs'])['ledger']
    kept = json.dumps(ledger, sort_keys=True)
    plan(dict(HOST, virt_use_nfs=True), ledger, 'a', [])
    assert json.dumps(ledger, sort_keys=True) == kept


def test_names_that_are_no_booleans_are_refused():
    with pytest.raises(GrantError, match='not SELinux boolean names: virt_use_nfs=1, -P'):
        plan(HOST, {}, 'a', ['virt_use_nfs=1', '-P'])


def test_the_ledger_round_trips_and_junk_is_refused():
    ledger = plan(HOST, {}, 'a', ['virt_use_nfs'])['ledger']
    assert parse_ledger(dump_ledger(ledger)) == ledger
    assert parse_ledger('') == {}
    for junk in ('[]', '{"booleans": {"x": {"before": "no", "owners": []}}}', '{"booleans": {"Bad Name": {}}}', 'not json'):
        with pytest.raises(GrantError, match='not one this collection wrote'):
            parse_ledger(junk)


def test_getsebool_lines_with_pending_values():
    assert parse_getsebool('virt_use_nfs --> off\nnfs_export_all_ro --> on\nxen_use_nfs --> off pending: on\n') == {
        'virt_use_nfs': False, 'nfs_export_all_ro': True, 'xen_use_nfs': False}
    with pytest.raises(GrantError, match='unexpected getsebool line'):
        parse_getsebool('getsebool:  SELinux is disabled\n')


def test_one_persistent_setsebool_call():
    assert setsebool_args(['a_b'], ['c_d']) == ['-P', 'a_b=1', 'c_d=0']
