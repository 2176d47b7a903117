# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""domain_template_source: what kvm_template takes from a domain definition (its root disk and its format, the other
file disks, CPUs, memory in MiB, machine), on definitions libvirt wrote (fixtures/libvirt) and on hand-written ones."""

import pytest

from ansible_collections.labforge.virt.plugins.module_utils._libvirt_xml import LibvirtXMLError, domain_template_source

from conftest import read_fixture


LAB_VM1 = read_fixture('libvirt', 'dumpxml-lab-vm1-trixie.xml')
PINNED = read_fixture('libvirt', 'dumpxml-pinned-trixie.xml')
CLONE = read_fixture('libvirt', 'domain_diff', 'clone-trixie.dumpxml.xml')
APPLIANCE_BOOKWORM = read_fixture('libvirt', 'domain_diff', 'appliance-bookworm.dumpxml.xml')


def domain(devices='', memory="<memory unit='KiB'>262144</memory>", vcpu="<vcpu placement='static'>2</vcpu>",
           os="<os><type arch='x86_64' machine='pc-q35-10.0'>hvm</type></os>"):
    return "<domain type='kvm'><name>hand</name>%s%s%s<devices>%s</devices></domain>" % (memory, vcpu, os, devices)


def file_disk(path, target, device='disk', driver="<driver name='qemu' type='qcow2'/>"):
    return ("<disk type='file' device='%s'>%s<source file='%s'/>"
            "<target dev='%s' bus='virtio'/></disk>" % (device, driver, path, target))


def test_the_guest_kvm_guest_defined_on_debian_13():
    assert domain_template_source(LAB_VM1) == {
        'root': '/var/lib/libvirt/images/lab-vm1-root.qcow2', 'target': 'vda', 'format': 'qcow2',
        'disks': ['/var/lib/libvirt/images/lab-vm1-root.qcow2'],
        'vcpus': 1, 'memory_mib': 128, 'machine': 'pc-q35-10.0'}


def test_block_volume_and_cdrom_disks_are_not_the_root_and_only_files_are_listed():
    # pinned-capture: a file disk (vda), a block disk (vdb), a pool volume (vdc), a cdrom (sda); 65536 KiB.
    assert domain_template_source(PINNED) == {
        'root': '/var/lib/libvirt/images/pinned-root.qcow2', 'target': 'vda', 'format': 'qcow2',
        'disks': ['/var/lib/libvirt/images/pinned-root.qcow2', '/srv/iso/debian-13.iso'],
        'vcpus': 1, 'memory_mib': 64, 'machine': 'pc-i440fx-10.0'}


def test_a_linked_clone_with_two_disks_takes_the_first_as_root():
    info = domain_template_source(CLONE)
    assert (info['root'], info['target']) == ('/var/lib/libvirt/images/clone-root.qcow2', 'vda')
    assert info['disks'] == ['/var/lib/libvirt/images/clone-root.qcow2', '/var/lib/libvirt/images/clone-scratch.qcow2']
    assert (info['vcpus'], info['memory_mib'], info['machine']) == (1, 256, 'pc-q35-10.0')


def test_libvirt_9_on_debian_12():
    info = domain_template_source(APPLIANCE_BOOKWORM)
    assert (info['root'], info['vcpus'], info['memory_mib'], info['machine']) == (
        '/var/lib/libvirt/images/appliance-ova0.qcow2', 2, 768, 'pc-q35-7.2')


def test_a_cdrom_first_is_skipped_for_the_root_but_listed():
    info = domain_template_source(domain(file_disk('/srv/iso/installer.iso', 'sda', device='cdrom')
                                         + file_disk('/images/root.qcow2', 'vda')
                                         + file_disk('/images/data.qcow2', 'vdb')))
    assert (info['root'], info['target']) == ('/images/root.qcow2', 'vda')
    assert info['disks'] == ['/srv/iso/installer.iso', '/images/root.qcow2', '/images/data.qcow2']


def test_a_floppy_or_lun_is_not_the_root_but_a_disk_without_device_is():
    # libvirt's default device is "disk".
    text = domain(file_disk('/images/boot.img', 'fda', device='floppy')
                  + "<disk type='file'><source file='/images/root.raw'/><target dev='hda'/></disk>")
    info = domain_template_source(text)
    assert (info['root'], info['target']) == ('/images/root.raw', 'hda')


def test_no_file_disk_means_no_root():
    text = domain("<disk type='block' device='disk'><source dev='/dev/vg0/root'/><target dev='vda'/></disk>"
                  "<disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h'/></source>"
                  "<target dev='vdb'/></disk>"
                  "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>")
    info = domain_template_source(text)
    assert info['root'] is None and info['target'] is None and info['format'] is None and info['disks'] == []


def test_only_a_cdrom_means_no_root_but_the_iso_is_listed():
    info = domain_template_source(domain(file_disk('/srv/iso/live.iso', 'sda', device='cdrom')))
    assert info['root'] is None and info['target'] is None and info['format'] is None
    assert info['disks'] == ['/srv/iso/live.iso']


def test_a_domain_without_devices():
    text = "<domain type='kvm'><name>bare</name><memory>1048576</memory></domain>"
    assert domain_template_source(text) == {'root': None, 'target': None, 'format': None, 'disks': [], 'vcpus': 1,
                                            'memory_mib': 1024, 'machine': None}


def test_the_format_is_the_root_disk_s_driver_type():
    # The format of the root, not of the disks before or after it.
    info = domain_template_source(domain(file_disk('/srv/iso/installer.iso', 'sda', device='cdrom',
                                                   driver="<driver name='qemu' type='raw'/>")
                                         + file_disk('/images/root.img', 'vda', driver="<driver name='qemu' type='raw'/>")
                                         + file_disk('/images/data.qcow2', 'vdb')))
    assert (info['root'], info['format']) == ('/images/root.img', 'raw')
    info = domain_template_source(domain(file_disk('/images/root.vmdk', 'vda', driver="<driver name='qemu' type='vmdk'/>")
                                         + file_disk('/images/data.img', 'vdb', driver="<driver name='qemu' type='raw'/>")))
    assert info['format'] == 'vmdk'


@pytest.mark.parametrize('driver', ['', "<driver name='qemu'/>", "<driver name='qemu' cache='none'/>"],
                         ids=['no driver', 'driver without type', 'driver with other attributes only'])
def test_a_root_disk_without_a_driver_type_is_raw(driver):
    # libvirt reads such a disk as raw (it never probes), so the copy must too.
    info = domain_template_source(domain(file_disk('/images/root.qcow2', 'vda', driver=driver)))
    assert (info['root'], info['format']) == ('/images/root.qcow2', 'raw')


def test_the_format_of_libvirt_9_s_definition():
    assert domain_template_source(APPLIANCE_BOOKWORM)['format'] == 'qcow2'


def test_a_root_disk_without_target():
    info = domain_template_source(domain("<disk type='file' device='disk'><source file='/images/r.qcow2'/></disk>"))
    assert (info['root'], info['target']) == ('/images/r.qcow2', None)


@pytest.mark.parametrize('memory, mib', [
    ("<memory unit='KiB'>2097152</memory>", 2048),
    ("<memory>2097152</memory>", 2048),  # KiB when no unit is given
    ("<memory unit='k'>524288</memory>", 512),
    ("<memory unit='MiB'>768</memory>", 768),
    ("<memory unit='M'>4096</memory>", 4096),
    ("<memory unit='GiB'>2</memory>", 2048),
    ("<memory unit='G'>1</memory>", 1024),
    ("<memory unit='b'>268435456</memory>", 256),
    ("<memory unit='bytes'>1073741824</memory>", 1024),
    ("<memory unit='MB'>1024</memory>", 976),  # 10^9 bytes is 976.56 MiB, rounded down
    ("<memory unit='GB'>2</memory>", 1907),
    ("<memory unit='KB'>1048576</memory>", 1000),  # 1048576000 bytes
    ("<memory unit='KiB'>1000</memory>", 0),  # less than a MiB
    ("<memory unit='TiB'>1</memory>", 1048576),
    ("<memory unit='T'>2</memory>", 2097152),
    ("<memory unit='TB'>1</memory>", 953674),  # 10^12 bytes is 953674.3 MiB
])
def test_memory_in_every_unit_is_mib(memory, mib):
    assert domain_template_source(domain(memory=memory))['memory_mib'] == mib


@pytest.mark.parametrize('unit', ['bananas', 'KiBs', 'Mi'])  # libvirt refuses these too
def test_an_unknown_memory_unit_is_refused(unit):
    with pytest.raises(LibvirtXMLError) as exc:
        domain_template_source(domain(memory="<memory unit='%s'>1024</memory>" % unit))
    assert str(exc.value) == "unknown memory unit '%s'" % unit


def test_no_memory_vcpu_or_os_type():
    info = domain_template_source("<domain type='kvm'><name>x</name><os/></domain>")
    assert (info['vcpus'], info['memory_mib'], info['machine']) == (1, 0, None)


def test_vcpus_and_machine_of_a_hand_written_domain():
    info = domain_template_source(domain(vcpu="<vcpu current='2'>8</vcpu>",
                                         os="<os><type arch='aarch64' machine='virt-9.2'>hvm</type></os>"))
    assert (info['vcpus'], info['machine']) == (8, 'virt-9.2')


@pytest.mark.parametrize('text', ['not xml', '<network><name>default</name></network>', None])
def test_what_is_not_a_domain_is_refused(text):
    with pytest.raises(LibvirtXMLError):
        domain_template_source(text)
