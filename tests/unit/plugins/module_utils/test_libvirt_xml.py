# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt XML read as XML: domain definitions and virsh capabilities, on captured documents."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.filter.libvirt_xml import (
    libvirt_domain_devices, libvirt_domains, libvirt_security_models)
from ansible_collections.labforge.virt.plugins.module_utils._libvirt_xml import (
    LibvirtXMLError, domain_devices, domain_identity, domains, security_models)

from conftest import read_fixture as fixture


LAB_VM = fixture('libvirt', 'dumpxml-lab-vm1-trixie.xml')
CAPABILITIES = fixture('libvirt', 'capabilities-trixie-container.xml')
PINNED = fixture('libvirt', 'dumpxml-pinned-trixie.xml')


def test_a_domain_libvirt_wrote_on_debian_13():
    name, identity = domain_identity(LAB_VM)
    assert name == 'lab-vm1'
    assert identity['uuid'] == fixture('libvirt', 'dumpxml-lab-vm1-trixie.uuid').strip()
    assert identity['macs'] == fixture('libvirt', 'dumpxml-lab-vm1-trixie.macs').split()


def test_a_persistent_definition_without_interfaces():
    # /etc/libvirt/qemu/*.xml starts with libvirt's warning comment.
    assert domain_identity(fixture('svirt', 'bad', 'etc', 'pinned.xml')) == (
        'pinned', {'uuid': '3c2e5a0e-77f1-4b8e-9d11-5e0c9a8f6b21', 'macs': []})


def test_macs_are_lower_case_in_device_order_and_only_from_interfaces():
    text = """<domain type='kvm'><name>two</name><uuid>u</uuid><devices>
      <interface type='network'><mac address='52:54:00:AA:00:02'/></interface>
      <hostdev mode='subsystem'><mac address='52:54:00:ff:ff:ff'/></hostdev>
      <interface type='bridge'><mac address='52:54:00:aa:00:01'/></interface>
      <interface type='user'/></devices></domain>"""
    assert domain_identity(text)[1]['macs'] == ['52:54:00:aa:00:02', '52:54:00:aa:00:01']


def test_domains_by_name():
    assert sorted(domains([LAB_VM, fixture('svirt', 'bad', 'etc', 'pinned.xml')])) == ['lab-vm1', 'pinned']
    assert domains([]) == {}


@pytest.mark.parametrize('text, message', [
    ('', 'not libvirt domain XML'),
    ('error: failed to get domain', 'not libvirt domain XML'),
    ("<network><name>default</name></network>", 'expected a <domain> document, got <network>'),
    ("<domain type='kvm'><uuid>u</uuid></domain>", 'the <domain> has no <name>'),
])
def test_what_is_not_a_domain_is_refused(text, message):
    with pytest.raises(LibvirtXMLError, match=message):
        domain_identity(text)
    with pytest.raises(AnsibleFilterError, match='labforge.virt.libvirt_domains: ' + message):
        libvirt_domains([text])


def test_security_models_of_libvirt_in_a_container():
    assert security_models(CAPABILITIES) == fixture('libvirt', 'capabilities-trixie-container.models').split()


def test_security_models_in_libvirt_order():
    text = """<capabilities><host><uuid>x</uuid>
      <secmodel><model>selinux</model><doi>0</doi></secmodel>
      <secmodel><model>dac</model><doi>0</doi><baselabel type='kvm'>+64:+64</baselabel></secmodel>
      </host><guest><os_type>hvm</os_type></guest></capabilities>"""
    assert security_models(text) == ['selinux', 'dac']


def test_capabilities_that_are_not_refused():
    with pytest.raises(AnsibleFilterError, match='expected a <capabilities> document'):
        libvirt_security_models("<domain><name>x</name></domain>")


def test_devices_of_the_guest_the_lab_defined():
    assert domain_devices(LAB_VM) == {
        'type': 'qemu', 'disk_paths': ['/var/lib/libvirt/images/lab-vm1-root.qcow2'], 'passthrough': []}


def test_devices_that_pin_a_guest_to_its_host():
    devices = domain_devices(PINNED)
    assert devices['type'] == 'kvm'
    # virsh's own list, less the pool volume (a name, not a host path).
    listed = [line.split() for line in fixture('libvirt', 'dumpxml-pinned-trixie.domblklist').splitlines()[2:] if line.strip()]
    assert devices['disk_paths'] == [source for kind, _device, _target, source in listed if kind in ('file', 'block')]
    assert len(devices['disk_paths']) == 3
    assert devices['passthrough'] == ['hostdev pci', 'hostdev usb', 'redirdev tcp']


def test_disks_without_a_host_path_are_left_out():
    text = """<domain type='kvm'><name>n</name><devices>
      <disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h'/></source></disk>
      <disk type='volume' device='disk'><source pool='default' volume='v.qcow2'/></disk>
      <disk type='block' device='disk'><source dev='/dev/vg0/n'/></disk>
      <disk type='file' device='cdrom'><target dev='sda'/></disk></devices></domain>"""
    assert domain_devices(text) == {'type': 'kvm', 'disk_paths': ['/dev/vg0/n'], 'passthrough': []}


def test_devices_of_what_is_not_a_domain():
    with pytest.raises(AnsibleFilterError, match='labforge.virt.libvirt_domain_devices: expected a <domain> document'):
        libvirt_domain_devices("<capabilities/>")
