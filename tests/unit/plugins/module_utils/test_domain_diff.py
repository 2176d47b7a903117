# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check-mode comparison of a guest definition with libvirt's, on real pairs: the XML kvm_guest rendered
and `virsh dumpxml --inactive` of the domain libvirt defined from it (kvm_host scenario, Debian 13 / libvirt
11.3 and Debian 12 / libvirt 9.0; fixtures/libvirt/domain_diff/README.md). A change is made the way the role
would make it: by editing the rendered XML."""

import difflib

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._domain_diff import (
    DomainDiffError, compare, domain_name, machine_aliases)

from conftest import read_fixture

SUITES = ('trixie', 'bookworm')
GUESTS = ('tiny', 'clone', 'copy', 'appliance')


def fixture(name):
    return read_fixture('libvirt', 'domain_diff', name)


def pair(guest, suite):
    return fixture('%s-%s.dumpxml.xml' % (guest, suite)), fixture('%s-%s.rendered.xml' % (guest, suite))


def aliases(suite):
    return machine_aliases(fixture('capabilities-%s-container.xml' % suite))


def changes(result):
    """The -/+ lines of the unified diff of before and after."""
    diff = difflib.unified_diff(result['before'].splitlines(), result['after'].splitlines(), lineterm='', n=0)
    return [line for line in diff if line[:1] in '+-' and not line.startswith(('+++', '---'))]


def edited(text, old, new, count=1):
    assert text.count(old) >= count, old
    return text.replace(old, new, count)


@pytest.mark.parametrize('suite', SUITES)
@pytest.mark.parametrize('guest', GUESTS)
def test_a_converged_guest_is_unchanged(guest, suite):
    current, rendered = pair(guest, suite)
    assert current != rendered  # as text, libvirt's definition differs from every one it was given
    result = compare(current, rendered, aliases(suite))
    assert result['changed'] is False, '\n'.join(changes(result))
    assert result['before'] == result['after']
    assert '<name>%s</name>' % guest in result['before']


@pytest.mark.parametrize('suite', SUITES)
def test_what_libvirt_adds_is_not_shown(suite):
    current, rendered = pair('tiny', suite)
    before = compare(current, rendered, aliases(suite))['before']
    for noise in ('<address', "type='pci'", 'pcie-root-port', 'qemu-xhci', "<input", "<audio", 'itco', 'qemu64',
                  'isa-serial', "model='none'", "<boot"):
        assert noise not in before, noise
    assert "<memory unit='KiB'>262144</memory>" in before
    assert "machine='%s'" % {'trixie': 'pc-q35-10.0', 'bookworm': 'pc-q35-7.2'}[suite] in before


@pytest.mark.parametrize('suite', SUITES)
def test_more_memory_shows_as_memory_only(suite):
    current, rendered = pair('clone', suite)
    rendered = edited(rendered, "<memory unit='MiB'>256</memory>", "<memory unit='MiB'>384</memory>")
    rendered = edited(rendered, "<currentMemory unit='MiB'>256</currentMemory>", "<currentMemory unit='MiB'>384</currentMemory>")
    result = compare(current, rendered, aliases(suite))
    assert result['changed'] is True
    assert changes(result) == [
        "-  <memory unit='KiB'>262144</memory>",
        "-  <currentMemory unit='KiB'>262144</currentMemory>",
        "+  <memory unit='KiB'>393216</memory>",
        "+  <currentMemory unit='KiB'>393216</currentMemory>",
    ]


def test_more_vcpus():
    current, rendered = pair('copy', 'trixie')
    result = compare(current, edited(rendered, "<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>2</vcpu>"),
                     aliases('trixie'))
    assert changes(result) == ["-  <vcpu placement='static'>1</vcpu>", "+  <vcpu placement='static'>2</vcpu>"]


def test_a_new_guest_is_all_new():
    _current, rendered = pair('clone', 'trixie')
    result = compare(None, rendered, aliases('trixie'))
    assert result['changed'] is True and result['before'] == ''
    assert result['after'].startswith("<domain type='qemu'>\n  <name>clone</name>\n")
    assert "<memory unit='KiB'>262144</memory>" in result['after']  # as libvirt will keep it
    assert 'Ansible managed' not in result['after']


def test_the_guest_agent_switched_off_removes_channel_and_controller():
    current, rendered = pair('clone', 'trixie')
    rendered = edited(rendered, "    <controller type='virtio-serial' index='0'/>\n", '')
    rendered = edited(rendered, "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                                "    </channel>\n", '')
    assert changes(compare(current, rendered, aliases('trixie'))) == [
        "-    <controller index='0' type='virtio-serial'/>",
        "-    <channel type='unix'>",
        "-      <target name='org.qemu.guest_agent.0' type='virtio'/>",
        "-    </channel>",
    ]


def test_a_disk_left_out_shows_as_removed():
    current, rendered = pair('clone', 'bookworm')
    start = rendered.index("    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2' cache='writethrough'")
    end = rendered.index('</disk>\n', start) + len('</disk>\n')
    result = compare(current, rendered[:start] + rendered[end:], aliases('bookworm'))
    assert [line for line in changes(result) if line.startswith('+')] == []
    assert "-      <source file='/var/lib/libvirt/images/clone-scratch.qcow2'/>" in changes(result)
    assert "-      <target bus='virtio' dev='vdb'/>" in changes(result)
    assert not [line for line in changes(result) if 'address' in line]


def test_a_changed_cache_mode():
    current, rendered = pair('clone', 'trixie')
    result = compare(current, edited(rendered, "cache='writeback'", "cache='none'"), aliases('trixie'))
    assert changes(result) == [
        "-      <driver cache='writeback' discard='unmap' name='qemu' type='qcow2'/>",
        "+      <driver cache='none' discard='unmap' name='qemu' type='qcow2'/>",
    ]


def test_an_attribute_the_role_stops_writing_shows_as_removed():
    # discard='unmap' is written for virtio and scsi disks only; a redefinition without it drops it.
    current, rendered = pair('copy', 'trixie')
    result = compare(current, edited(rendered, " discard='unmap'", ''), aliases('trixie'))
    assert changes(result) == [
        "-      <driver cache='none' discard='unmap' name='qemu' type='qcow2'/>",
        "+      <driver cache='none' name='qemu' type='qcow2'/>",
    ]


def test_a_device_added_by_hand_shows_as_removed():
    # A redefinition from the role's template drops a device someone added with virsh edit.
    current, rendered = pair('copy', 'trixie')
    current = edited(current, "    <audio id='1' type='none'/>\n",
                     "    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>\n    <audio id='1' type='none'/>\n")
    assert changes(compare(current, rendered, aliases('trixie'))) == [
        "-    <graphics autoport='yes' listen='127.0.0.1' port='-1' type='vnc'/>",
    ]


def test_kernel_boot_to_disk_boot():
    current, rendered = pair('tiny', 'trixie')
    start = rendered.index('    <kernel>')
    end = rendered.index('</cmdline>\n') + len('</cmdline>\n')
    rendered = rendered[:start] + "    <boot dev='hd'/>\n" + rendered[end:]
    assert changes(compare(current, rendered, aliases('trixie'))) == [
        '-    <kernel>/var/lib/labforge-test/vmlinuz</kernel>',
        '-    <initrd>/var/lib/labforge-test/initrd.img</initrd>',
        '-    <cmdline>console=ttyS0 panic=-1</cmdline>',
    ]


def test_devices_are_matched_by_identity_not_position():
    current, rendered = pair('clone', 'trixie')
    start = rendered.index("    <interface type='network'>")
    end = rendered.index('</interface>\n') + len('</interface>\n')
    interface = rendered[start:end]
    rendered = rendered[:start] + rendered[end:]
    at = rendered.index('    <disk ')
    assert compare(current, rendered[:at] + interface + rendered[at:], aliases('trixie'))['changed'] is False


def test_another_mac_is_a_change():
    current, rendered = pair('copy', 'bookworm')
    result = compare(current, edited(rendered, '52:54:00:aa:bb:01', '52:54:00:aa:bb:02'), aliases('bookworm'))
    assert "-      <mac address='52:54:00:aa:bb:01'/>" in changes(result)
    assert "+      <mac address='52:54:00:aa:bb:02'/>" in changes(result)


def test_machine_aliases_from_capabilities():
    assert aliases('trixie')[('x86_64', 'q35')] == 'pc-q35-10.0'
    assert aliases('bookworm')[('x86_64', 'q35')] == 'pc-q35-7.2'
    assert aliases('trixie')[('x86_64', 'pc')] == 'pc-i440fx-10.0'


def test_a_definition_from_an_older_qemu_would_get_the_new_machine_version():
    # bookworm's guest (pc-q35-7.2) redefined with machine='q35' on a host whose q35 is pc-q35-10.0.
    current, rendered = pair('copy', 'bookworm')
    result = compare(current, rendered, aliases('trixie'))
    assert changes(result) == ["-    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>",
                               "+    <type arch='x86_64' machine='pc-q35-10.0'>hvm</type>"]


def test_without_capabilities_an_alias_is_compared_as_written():
    current, rendered = pair('copy', 'trixie')
    assert compare(current, rendered)['changed'] is True


@pytest.mark.parametrize('unit, value', [('GiB', '1'), ('M', '1024'), ('KiB', '1048576'), ('bytes', '1073741824'),
                                         ('b', '1073741824')])
def test_memory_units(unit, value):
    current, rendered = pair('copy', 'trixie')
    current = edited(current, '262144', '1048576', 2)
    rendered = edited(rendered, "<memory unit='MiB'>256</memory>", "<memory unit='%s'>%s</memory>" % (unit, value))
    rendered = edited(rendered, "<currentMemory unit='MiB'>256</currentMemory>",
                      "<currentMemory unit='%s'>%s</currentMemory>" % (unit, value))
    assert compare(current, rendered, aliases('trixie'))['changed'] is False


def test_text_is_escaped_when_rendered():
    current, rendered = pair('tiny', 'trixie')
    rendered = edited(rendered, 'console=ttyS0 panic=-1', 'console=ttyS0 a=&lt;b&gt;')
    assert '+    <cmdline>console=ttyS0 a=&lt;b&gt;</cmdline>' in changes(compare(current, rendered, aliases('trixie')))


def test_domain_name():
    assert domain_name(pair('tiny', 'trixie')[1]) == 'tiny'
    with pytest.raises(DomainDiffError, match='no <name>'):
        domain_name("<domain type='qemu'/>")


@pytest.mark.parametrize('text, message', [
    ('<network><name>x</name></network>', 'expected a <domain> document, got <network>'),
    ('<domain>', 'not libvirt domain XML'),
    (None, 'not libvirt domain XML'),
])
def test_not_a_domain(text, message):
    with pytest.raises(DomainDiffError, match=message):
        compare(None, text)


def test_not_capabilities():
    with pytest.raises(DomainDiffError, match='not libvirt capabilities XML'):
        machine_aliases('<capabilities')
