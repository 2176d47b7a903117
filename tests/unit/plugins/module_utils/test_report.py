# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_report: rows from raw module results, unreached hosts marked, the Markdown table."""

import json
import os

from ansible_collections.labforge.virt.plugins.module_utils._report import (
    UNREACHED, report_markdown, report_row, report_rows,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'report')


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def docker_host_row():
    return report_row({
        'host': 'lab-docker1', 'groups': ['docker_hosts'],
        'docker': load('docker_host_info_verbose.json'),
        'shared_volume': {'backend': 'syncthing', 'name': 'lab_data', 'proof': 'written on lab-docker1, read on lab-docker2'},
        'databases': ['db2', 'oracle-xe'],
    })


def test_docker_row_from_a_real_docker_host_info_result():
    row = docker_host_row()
    assert row['status'] == 'reported'
    assert row['docker'] == {'version': '20.10.24+dfsg1', 'storage_driver': 'overlay2', 'live_restore': True}
    assert row['shared_volume']['containers'] == ['syncthing_lab_data']
    assert row['kvm'] is None and row['guests'] is None and row['registry'] is None


def test_database_on_the_test_double_is_a_stand_in():
    db2, oracle = docker_host_row()['databases']
    assert db2['name'] == 'db2' and db2['state'] == 'running' and db2['stand_in'] is True
    assert db2['image'] == 'labforge/db-double:bookworm' and db2['ports'] == [50000]
    assert oracle == {'name': 'oracle-xe', 'state': 'not deployed here'}


def test_database_on_a_real_image_is_not_a_stand_in():
    info = load('docker_host_info_verbose.json')
    for c in info['containers']:
        c['Labels'].pop('org.labforge.test-double', None)
    (db2,) = report_row({'host': 'h', 'docker': info, 'databases': ['db2']})['databases']
    assert db2['stand_in'] is False


def test_kvm_row_keeps_verdict_and_labels():
    row = report_row({'host': 'kvm1', 'groups': ['kvm_hosts'],
                      'virt': {'kvm_usable': True, 'verdict': {'summary': 'KVM usable: /dev/kvm answers'}},
                      'svirt': {'guests': [{'domain': 'vm1', 'label': 'system_u:system_r:svirt_t:s0:c1,c2',
                                            'confined': True, 'pid': 42}]}})
    assert row['kvm'] == {'verdict': True, 'why': 'KVM usable: /dev/kvm answers'}
    assert row['guests'] == [{'domain': 'vm1', 'label': 'system_u:system_r:svirt_t:s0:c1,c2', 'confined': True,
                              'addresses': []}]


def test_guests_carry_the_addresses_their_agents_reported():
    # libvirt_domain_info addresses=true, as the kvm_host scenario's tiny (qemu-ga) and a guest without an agent answer.
    agents = [{'name': 'tiny', 'active': True, 'agent': True,
               'addresses': [{'interface': 'eth0', 'hwaddr': '52:54:00:6b:3c:58', 'family': 'ipv4',
                              'address': '192.168.123.50', 'prefix': 24}]},
              {'name': 'quiet', 'active': True, 'agent': False, 'addresses': []}]
    row = report_row({'host': 'kvm1', 'groups': ['kvm_hosts'], 'agents': agents,
                      'svirt': {'guests': [{'domain': 'tiny', 'label': None, 'confined': False},
                                           {'domain': 'quiet', 'label': None, 'confined': False}]}})
    assert [(g['domain'], g['addresses']) for g in row['guests']] == [('tiny', ['192.168.123.50/24']), ('quiet', [])]
    line = report_markdown([row]).splitlines()[-1]
    assert 'tiny no SELinux label (192.168.123.50/24); quiet no SELinux label |' in line


def test_hosts_without_a_row_are_marked_not_dropped():
    rows = report_rows([docker_host_row()], ['lab-kvm1', 'lab-docker1'])
    assert [r['host'] for r in rows] == ['lab-kvm1', 'lab-docker1']
    assert rows[0]['status'] == UNREACHED
    text = report_markdown(rows)
    assert '| lab-kvm1 | - | %s |' % UNREACHED in text


def test_markdown_has_one_line_per_host_and_escapes_pipes():
    row = docker_host_row()
    row['registry'] = {'address': 'reg:5000', 'smoke': 'a|b'}
    lines = report_markdown([row]).splitlines()
    assert lines[0] == '# labforge.virt estate report'
    assert len([ln for ln in lines if ln.startswith('| lab-docker1 |')]) == 1
    assert 'a\\|b' in lines[-1]
    assert 'db2: running labforge/db-double:bookworm, ports 50000 (stand-in: test double, not the real database)' in lines[-1]
    assert 'written on lab-docker1, read on lab-docker2' in lines[-1]


def test_containers_keep_their_selinux_label_sorted_by_name():
    inspected = [
        {'Name': '/sel-b', 'ProcessLabel': 'system_u:system_r:container_t:s0:c5,c9'},
        {'Name': '/sel-a', 'ProcessLabel': ''},
    ]
    row = report_row({'host': 'kernel-vm', 'docker': load('docker_host_info_verbose.json'), 'containers': inspected})
    assert row['containers'] == [{'name': 'sel-a', 'label': None},
                                 {'name': 'sel-b', 'label': 'system_u:system_r:container_t:s0:c5,c9'}]
    line = report_markdown([row]).splitlines()[-1]
    assert line.endswith('| sel-a no SELinux label; sel-b system_u:system_r:container_t:s0:c5,c9 |')


def test_hosts_without_docker_have_no_container_column():
    row = report_row({'host': 'kvm1', 'groups': ['kvm_hosts']})
    assert row['containers'] is None
    assert report_markdown([row]).splitlines()[-1].endswith('| - |')
