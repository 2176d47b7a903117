# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVF descriptors read as XML: the appliance the kvm_host scenario imports, and the shapes exporters write."""

import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.filter.ovf import kvm_guest_ova_plan, ovf_appliance
from ansible_collections.labforge.virt.plugins.module_utils._ovf import OVFError, appliance, unit_exponent

from conftest import ROOT

with open(os.path.join(ROOT, 'molecule', 'kvm_host', 'files', 'appliance.ovf')) as f:
    SCENARIO_APPLIANCE = f.read()

# OVF 2.x as VMware's ovftool writes it: the default namespace is the envelope, rasd items carry
# programmatic units, and a DeploymentOptionSection gives two sizes.
VMWARE_SHAPE = """<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/2"
    xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/2"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References>
    <File ovf:href="web-disk1.vmdk" ovf:id="file1" ovf:size="1024"/>
    <File ovf:href="web.nvram" ovf:id="file2" ovf:size="8"/>
    <File ovf:href="web-disk2.vmdk" ovf:id="file3" ovf:size="1024"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="16" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk1" ovf:fileRef="file1"/>
    <Disk ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="scratch"/>
    <Disk ovf:capacity="4" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk2" ovf:fileRef="file3"/>
  </DiskSection>
  <DeploymentOptionSection>
    <Info>Sizes</Info>
    <Configuration ovf:id="small"><Label>Small</Label></Configuration>
    <Configuration ovf:default="true" ovf:id="large"><Label>Large</Label></Configuration>
  </DeploymentOptionSection>
  <VirtualSystem ovf:id="web">
    <VirtualHardwareSection>
      <Item ovf:configuration="small">
        <rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>1</rasd:VirtualQuantity>
      </Item>
      <Item ovf:configuration="large">
        <rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>4</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits>
        <rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>8</rasd:VirtualQuantity>
      </Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>"""


def _with_memory(units, quantity):
    return SCENARIO_APPLIANCE.replace('<rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>',
                                      '<rasd:AllocationUnits>%s</rasd:AllocationUnits>' % units).replace(
        '<rasd:VirtualQuantity>768</rasd:VirtualQuantity>', '<rasd:VirtualQuantity>%s</rasd:VirtualQuantity>' % quantity)


def test_the_appliance_the_kvm_host_scenario_imports():
    assert appliance(SCENARIO_APPLIANCE) == {
        'cpus': 2, 'memory_mib': 768, 'files': ['appliance-disk1.vmdk'], 'disks': ['appliance-disk1.vmdk']}


def test_ovf_2_with_deployment_options_takes_the_default_configuration():
    # Disks come from the DiskSection: the NVRAM file is no disk, the blank disk has no file.
    assert appliance(VMWARE_SHAPE) == {
        'cpus': 4, 'memory_mib': 8192,
        'files': ['web-disk1.vmdk', 'web.nvram', 'web-disk2.vmdk'],
        'disks': ['web-disk1.vmdk', 'web-disk2.vmdk']}


def test_without_a_default_the_first_configuration_applies():
    assert appliance(VMWARE_SHAPE.replace(' ovf:default="true"', ''))['cpus'] == 1


@pytest.mark.parametrize('units, quantity, mib', [
    ('byte * 2^20', 768, 768),
    ('byte*2^30', 2, 2048),
    ('byte * 2^10', 786432, 768),
    ('byte', 805306368, 768),
    ('KiloBytes', 786432, 768),
    ('GigaBytes', 3, 3072),
    ('MB', 512, 512),
])
def test_memory_in_each_unit_exporters_write(units, quantity, mib):
    assert appliance(_with_memory(units, quantity))['memory_mib'] == mib


def test_memory_without_units_is_read_as_mebibytes():
    # DSP0243 makes MiB the default unit of a memory item.
    assert unit_exponent('') == 20


def test_a_descriptor_that_does_not_say_leaves_the_guest_entry_to_decide():
    bare = """<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References/></Envelope>"""
    assert appliance(bare) == {'cpus': 0, 'memory_mib': 0, 'files': [], 'disks': []}


def test_hrefs_are_returned_as_written_for_href_problems_to_judge():
    hostile = SCENARIO_APPLIANCE.replace('ovf:href="appliance-disk1.vmdk"', 'ovf:href="../copy-root.qcow2"')
    assert appliance(hostile)['disks'] == ['../copy-root.qcow2']


@pytest.mark.parametrize('text, message', [
    ('', 'not an OVF descriptor'),
    ('<domain type="kvm"/>', 'expected an OVF <Envelope>, got <domain>'),
    (_with_memory('pages', 768), "memory AllocationUnits 'pages' is not a unit"),
    (_with_memory('MegaBytes', '0.75'), "the memory item's VirtualQuantity '0.75' is not a whole number"),
    (SCENARIO_APPLIANCE.replace('ovf:fileRef="file1"', 'ovf:fileRef="file9"'),
     "disk 'vmdisk1' refers to file 'file9', which References does not list"),
    (SCENARIO_APPLIANCE.replace(' ovf:href="appliance-disk1.vmdk"', ''), "a References/File \\(id 'file1'\\) has no href"),
    (SCENARIO_APPLIANCE.replace('</VirtualSystem>', '</VirtualSystem><VirtualSystem ovf:id="b"/>'),
     'the descriptor holds 2 virtual systems'),
])
def test_what_cannot_be_imported_is_refused(text, message):
    with pytest.raises(OVFError, match=message):
        appliance(text)
    with pytest.raises(AnsibleFilterError, match='labforge.virt.ovf_appliance: ' + message):
        ovf_appliance(text)


# The guest an appliance becomes (kvm_guest_ova_plan), from the scenario's own descriptor.
OVA_GUEST = {'name': 'appliance', 'vcpus': None, 'memory_mib': None, 'vcpus_from_ovf': True,
             'memory_from_ovf': True, 'disks': [], 'source_type': 'ova'}


def ova_plan(guest, found=None):
    return kvm_guest_ova_plan(guest, found or appliance(SCENARIO_APPLIANCE), '/var/lib/libvirt/images',
                              '/var/lib/libvirt/images/appliance-ova', 'virtio', 'none')


def test_ova_plan_takes_cpus_memory_and_disks_from_the_descriptor():
    found = appliance(SCENARIO_APPLIANCE)
    planned = ova_plan(OVA_GUEST)
    assert (planned['vcpus'], planned['memory_mib']) == (found['cpus'], found['memory_mib'])
    assert planned['disks'] == [{
        'name': 'ova0', 'path': '/var/lib/libvirt/images/appliance-ova0.qcow2', 'create': 'copy',
        'base': '/var/lib/libvirt/images/appliance-ova/' + found['disks'][0], 'size': '',
        'bus': 'virtio', 'cache': 'none'}]
    assert planned['name'] == 'appliance' and planned['source_type'] == 'ova'


def test_ova_plan_keeps_what_the_entry_set_and_its_own_disks_after():
    own = {'name': 'data', 'path': '/var/lib/libvirt/images/appliance-data.qcow2', 'create': 'blank',
           'size': '1G', 'bus': 'virtio', 'cache': 'writeback'}
    guest = dict(OVA_GUEST, vcpus=4, memory_mib=2048, vcpus_from_ovf=False, memory_from_ovf=False, disks=[own])
    planned = ova_plan(guest, {'cpus': 2, 'memory_mib': 768, 'files': ['a.vmdk', 'b.vmdk'], 'disks': ['a.vmdk', 'b.vmdk']})
    assert (planned['vcpus'], planned['memory_mib']) == (4, 2048)
    assert [d['name'] for d in planned['disks']] == ['ova0', 'ova1', 'data']
    assert [d['base'] for d in planned['disks'][:2]] == ['/var/lib/libvirt/images/appliance-ova/a.vmdk',
                                                         '/var/lib/libvirt/images/appliance-ova/b.vmdk']
    # The converted disks take the cache mode of the guest's first disk.
    assert {d['cache'] for d in planned['disks']} == {'writeback'}
    assert guest['disks'] == [own]  # the input is not changed


def test_ova_plan_without_disk_files_adds_none():
    planned = ova_plan(OVA_GUEST, {'cpus': 1, 'memory_mib': 64, 'files': [], 'disks': []})
    assert planned['disks'] == []
