# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kvm_template against a stand-in for the libvirt binding (python3-libvirt is not in the test venv) serving
definitions real libvirt printed (fixtures/libvirt, their disks moved under tmp_path), and a stand-in `run` that
records every command and does what qemu-img convert and virt-sysprep would do to the files. The backing chains
`absent` reads are real `qemu-img info --force-share --backing-chain --output=json` output (fixtures/qemu-img,
info-backing-chain-*-bookworm.json: qemu-img 7.2, Debian 12 `1:7.2+dfsg-7+deb12u18`, images made under
/tmp/labforge-capture with `qemu-img create -f qcow2 [-F qcow2 -b BACKING]`: web1-root on the template by an
absolute path, web2-root by a relative one, web3-root on web3-base on the template, web1-data on nothing). The images
a file import reads are real `qemu-img info --force-share --output=json` output of the same qemu-img
(info-import-*-bookworm.json, made under /tmp/labforge-capture/import: see fixtures/qemu-img/README.md)."""

import json
import os
import stat
import textwrap
from xml.etree import ElementTree

import pytest

from ansible_collections.labforge.virt.plugins.modules import kvm_template
from ansible_collections.labforge.virt.plugins.modules.kvm_template import TemplateError, Templates, _check_params

from conftest import put_on_path, read_fixture, run_module_main


LAB_VM1 = read_fixture('libvirt', 'dumpxml-lab-vm1-trixie.xml')
LAB_VM1_UUID = read_fixture('libvirt', 'dumpxml-lab-vm1-trixie.uuid').strip()
LAB_VM1_ROOT = '/var/lib/libvirt/images/lab-vm1-root.qcow2'
CLONE = read_fixture('libvirt', 'domain_diff', 'clone-trixie.dumpxml.xml')  # vda clone-root, vdb clone-scratch
CLONE_UUID = ElementTree.fromstring(CLONE).findtext('uuid')
PINNED = read_fixture('libvirt', 'dumpxml-pinned-trixie.xml')  # file vda, block vdb, volume vdc, cdrom sda
CAPTURE_DIR = '/tmp/labforge-capture'  # where the qemu-img fixtures were made
CLOUD_INFO = json.loads(read_fixture('qemu-img', 'info-import-cloud-bookworm.json'))  # a self-contained qcow2
CHECK_TRUNCATED = read_fixture('qemu-img', 'check-truncated-bookworm.stderr')  # qemu-img check -q, exit 2
OTHER_UUID = '6a1c1f50-0000-4000-8000-0000000000aa'
SEAL_OPERATIONS = ['machine-id', 'ssh-hostkeys', 'logfiles', 'bash-history', 'tmp-files', 'net-hwaddr',
                   'udev-persistent-net', 'dhcp-client-state']


class FakeLibvirt(object):
    """The part of the binding kvm_template uses; the constants have libvirt's values."""

    VIR_DOMAIN_XML_INACTIVE = 2
    VIR_DOMAIN_JOB_NONE = 0
    VIR_DOMAIN_JOB_UNBOUNDED = 2
    VIR_DOMAIN_JOB_COMPLETED = 3
    VIR_DOMAIN_JOB_FAILED = 4
    VIR_DOMAIN_JOB_STATS_COMPLETED = 1
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = 1
    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2
    VIR_DOMAIN_UNDEFINE_NVRAM = 4
    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 16  # 1 << 4 in libvirt-domain.h (32 is VIR_DOMAIN_UNDEFINE_TPM)

    class libvirtError(Exception):
        def get_error_message(self):
            return str(self)

    def __init__(self, conn):
        self.conn = conn
        self.opened = []

    def open(self, uri):
        self.opened.append(uri)
        return self.conn


class Domain(object):
    """A domain; a backup job runs for `job_polls` jobInfo() calls (forever with None) and ends with `stats`."""

    def __init__(self, xml, active=False, job_polls=2, stats=None, undefine_error=None):
        root = ElementTree.fromstring(xml)
        self._name, self._uuid = root.findtext('name'), root.findtext('uuid')
        self.xml, self.active, self.job_polls = xml, active, job_polls
        self.stats = stats if stats is not None else {'type': FakeLibvirt.VIR_DOMAIN_JOB_COMPLETED, 'operation': 12}
        self.undefine_error = undefine_error
        self.conn = None
        self.backups = []  # (backup xml, checkpoint xml, flags)
        self.job_infos = 0
        self.job = False
        self.aborted = False
        self.undefined = None  # the flags undefineFlags was called with
        self.image_when_undefined = None

    def name(self):
        return self._name

    def UUIDString(self):
        return self._uuid

    def isActive(self):
        return 1 if self.active else 0

    def XMLDesc(self, flags):
        assert flags == FakeLibvirt.VIR_DOMAIN_XML_INACTIVE
        return self.xml

    def backupBegin(self, backup_xml, checkpoint_xml, flags):
        assert self.active, 'libvirt backs up running domains only'
        self.backups.append((backup_xml, checkpoint_xml, flags))
        target = ElementTree.fromstring(backup_xml).find('./disks/disk/target').get('file')
        if os.path.exists(target):  # without VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL libvirt makes the file
            raise FakeLibvirt.libvirtError("operation failed: failed to create backup target '%s': File exists" % target)
        with open(target, 'w') as handle:
            handle.write('backup of %s' % self._name)
        self.job = True

    def jobInfo(self):
        self.job_infos += 1
        if self.job and self.job_polls is not None:
            if self.job_polls == 0:
                self.job = False
            else:
                self.job_polls -= 1
        kind = FakeLibvirt.VIR_DOMAIN_JOB_UNBOUNDED if self.job else FakeLibvirt.VIR_DOMAIN_JOB_NONE
        return [kind] + [0] * 11

    def jobStats(self, flags):
        assert flags == FakeLibvirt.VIR_DOMAIN_JOB_STATS_COMPLETED and not self.job
        return dict(self.stats)

    def abortJob(self):
        self.aborted = True
        self.job = False

    def undefineFlags(self, flags):
        if self.undefine_error:
            raise FakeLibvirt.libvirtError(self.undefine_error)
        self.undefined = flags
        self.image_when_undefined = [os.path.exists(path) for path in self.conn.template_images]
        del self.conn.domains[self._name]


class Conn(object):
    def __init__(self, *domains):
        self.domains = dict((domain.name(), domain) for domain in domains)
        self.template_images = []
        self.closed = False
        for domain in domains:
            domain.conn = self

    def lookupByName(self, name):
        if name not in self.domains:
            raise FakeLibvirt.libvirtError("Domain not found: no domain with matching name '%s'" % name)
        return self.domains[name]

    def listAllDomains(self, flags):
        assert flags == 0  # running and shut-off domains alike
        return [self.domains[name] for name in sorted(self.domains)]

    def close(self):
        self.closed = True


class Run(object):
    """Stands in for AnsibleModule.run_command: records (argv, environ_update), does what the tool would do."""

    def __init__(self, sysprep=(0, '', ''), chains=None, info_error=None, images=None, check=(0, '', '')):
        self.calls = []
        self.sysprep = sysprep
        self.chains = chains or {}  # disk -> qemu-img info --backing-chain JSON text
        self.images = images or {}  # image -> qemu-img info JSON text (a self-contained qcow2 when not given)
        self.info_error = info_error
        self.check = check  # what qemu-img check answers
        self.sealed_mode = None

    def __call__(self, argv, environ_update=None):
        self.calls.append((list(argv), environ_update))
        if argv[:2] == ['qemu-img', 'convert']:
            source, target = argv[-2], argv[-1]
            assert argv[2] == '-f', 'the source format is always given, never probed'
            assert target.endswith('.part') and not os.path.exists(target[:-len('.part')])
            with open(source) as handle:
                content = handle.read()
            with open(target, 'w') as handle:
                handle.write('qcow2 of ' + content)
            return 0, '', ''
        if argv[0] == 'virt-sysprep':
            part = argv[argv.index('-a') + 1]
            self.sealed_mode = stat.S_IMODE(os.stat(part).st_mode)
            if self.sysprep[0] == 0:
                with open(part, 'a') as handle:
                    handle.write(' (sealed)')
            return self.sysprep
        if argv[:2] == ['qemu-img', 'info']:
            if self.info_error:
                return 1, '', self.info_error
            if '--backing-chain' in argv:
                return 0, self.chains.get(argv[-1], json.dumps([{'filename': argv[-1], 'format': 'qcow2'}])), ''
            return 0, self.images.get(argv[-1], json.dumps(dict(CLOUD_INFO, filename=argv[-1]), indent=4)), ''
        if argv[:2] == ['qemu-img', 'check']:
            assert os.path.exists(argv[-1]), 'qemu-img check of a file that is not there'
            return self.check
        raise AssertionError('unexpected command %r' % (argv,))


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    """No real waiting: time.monotonic() moves `step` seconds a call, time.sleep() only counts."""

    class Clock(object):
        step = 1.0
        now = 0.0
        sleeps = []

        def monotonic(self):
            self.now += self.step
            return self.now

        def sleep(self, seconds):
            self.sleeps.append(seconds)

    clock = Clock()
    clock.sleeps = []
    monkeypatch.setattr(kvm_template, 'time', clock)
    monkeypatch.setattr(kvm_template, 'libvirt', FakeLibvirt(None))
    return clock


def guest(tmp_path, xml, name=None, uuid=None, **kwargs):
    """A Domain from a captured definition, its disks moved to tmp_path/images (and made there), renamed at will."""
    images = tmp_path / 'images'
    images.mkdir(exist_ok=True)
    xml = xml.replace('/var/lib/libvirt/images/', str(images) + '/')
    root = ElementTree.fromstring(xml)
    if name:
        xml = xml.replace('<name>%s</name>' % root.findtext('name'), '<name>%s</name>' % name)
    if uuid:
        xml = xml.replace('<uuid>%s</uuid>' % root.findtext('uuid'), '<uuid>%s</uuid>' % uuid)
    for source in ElementTree.fromstring(xml).findall('./devices/disk/source'):
        path = source.get('file')
        if path and path.startswith(str(images)) and not os.path.exists(path):
            with open(path, 'w') as handle:
                handle.write('disk %s' % os.path.basename(path))
    return Domain(xml, **kwargs)


def params(tmp_path, **overrides):
    """module.params as AnsibleModule fills them (defaults included)."""
    values = dict(uri='qemu:///system', name='golden', dir=str(tmp_path / 'templates'), state='present', source=None,
                  seal=False, seal_operations=list(SEAL_OPERATIONS), seal_environment={}, vcpus=None,
                  memory_mib=None, timeout=3600)
    values.update(overrides)
    if values['source'] is not None:
        values['source'] = dict(dict(guest=None, keep_guest=True, template=None, path=None), **values['source'])
    return values


def templates(tmp_path, conn=None, run=None, check_mode=False, **overrides):
    conn = conn if conn is not None else Conn()
    templates_ = Templates(params(tmp_path, **overrides), conn, run if run is not None else Run(), check_mode)
    conn.template_images.append(templates_.image)
    return templates_


def image_info(tmp_path, name):
    """Real qemu-img info output of image `name` of the import capture, its paths moved to tmp_path."""
    return read_fixture('qemu-img', 'info-import-%s-bookworm.json' % name).replace(CAPTURE_DIR, str(tmp_path))


def import_file(tmp_path, filename, content='cloud image'):
    """An image to import, where the capture had it: tmp_path/import/<filename>."""
    directory = tmp_path / 'import'
    directory.mkdir(exist_ok=True)
    image = directory / filename
    image.write_text(content)
    return image


def info_argv(path):
    return ['qemu-img', 'info', '--force-share', '--output=json', str(path)]


ALL_UNDEFINE_FLAGS = (FakeLibvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | FakeLibvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                      | FakeLibvirt.VIR_DOMAIN_UNDEFINE_NVRAM | FakeLibvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)


def from_guest(name, keep_guest=True):
    return dict(type='guest', guest=name, keep_guest=keep_guest)


def files(directory):
    return sorted(os.listdir(str(directory))) if os.path.isdir(str(directory)) else []


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def definition(tmp_path, name='golden'):
    with open(str(tmp_path / 'templates' / (name + '.json'))) as handle:
        return json.load(handle)


def make_template(tmp_path, name, **fields):
    """A template as a previous run left it."""
    directory = tmp_path / 'templates'
    directory.mkdir(exist_ok=True)
    image = directory / (name + '.qcow2')
    image.write_text('template %s' % name)
    image.chmod(0o444)
    body = dict(name=name, vcpus=1, memory_mib=128, machine='pc-q35-10.0', made_from='file /x', sealed=[])
    body.update(fields)
    (directory / (name + '.json')).write_text(json.dumps(body, indent=2, sort_keys=True) + '\n')
    return image, body


# --- from a guest ---------------------------------------------------------------------------------------------


def test_a_shut_off_guest_is_cloned_with_qemu_img_and_kept(tmp_path):
    domain = guest(tmp_path, LAB_VM1)
    run = Run()
    result = templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1')).present()
    root = str(tmp_path / 'images' / 'lab-vm1-root.qcow2')
    image = tmp_path / 'templates' / 'golden.qcow2'
    part = str(image) + '.part'
    assert run.calls == [(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'qcow2', root, part], {})]
    assert files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']
    assert image.read_text() == 'qcow2 of disk lab-vm1-root.qcow2'
    assert mode(image) == 0o444 and os.stat(str(image)).st_uid == 0 and os.stat(str(image)).st_gid == 0
    assert mode(tmp_path / 'templates' / 'golden.json') == 0o644
    expected = {'name': 'golden', 'vcpus': 1, 'memory_mib': 128, 'machine': 'pc-q35-10.0',
                'made_from': 'guest lab-vm1 (cloned)', 'sealed': [], 'source_uuid': LAB_VM1_UUID}
    assert definition(tmp_path) == expected
    assert result['changed'] is True and result['definition'] == expected and result['method'] == 'convert'
    assert result['path'] == str(image) and result['definition_path'] == str(tmp_path / 'templates' / 'golden.json')
    assert result['removed_guest'] is None and result['kept_disks'] == []
    assert json.loads(result['diff']['after']) == expected and result['diff']['before'] == ''
    assert domain.undefined is None and domain.backups == [] and os.path.exists(root)


LAB_VM1_DRIVER = "<driver name='qemu' type='qcow2' cache='none' discard='unmap'/>"


@pytest.mark.parametrize('driver, source_format', [
    ("<driver name='qemu' type='raw' cache='none' discard='unmap'/>", 'raw'),
    ("<driver name='qemu' type='vmdk'/>", 'vmdk'),
    ('', 'raw'),  # no <driver>: libvirt reads the disk as raw
    ("<driver name='qemu' cache='none'/>", 'raw'),  # no type either
], ids=['raw', 'vmdk', 'no driver', 'driver without type'])
def test_the_guest_disk_is_copied_in_the_format_libvirt_reads_it_in(tmp_path, driver, source_format):
    # Never probed: a raw disk whose guest wrote a qcow2 header naming a host file must not copy that file.
    assert LAB_VM1.count(LAB_VM1_DRIVER) == 1
    domain = guest(tmp_path, LAB_VM1.replace(LAB_VM1_DRIVER, driver))
    run = Run()
    result = templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1')).present()
    assert run.calls == [(['qemu-img', 'convert', '-f', source_format, '-O', 'qcow2',
                           str(tmp_path / 'images' / 'lab-vm1-root.qcow2'),
                           str(tmp_path / 'templates' / 'golden.qcow2.part')], {})]
    assert result['method'] == 'convert' and files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']


def test_a_running_raw_guest_is_still_backed_up_to_qcow2(tmp_path):
    domain = guest(tmp_path, LAB_VM1.replace(LAB_VM1_DRIVER, "<driver name='qemu' type='raw'/>"), active=True)
    run = Run()
    templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1')).present()
    assert run.calls == []
    assert ElementTree.fromstring(domain.backups[0][0]).find('./disks/disk/driver').get('type') == 'qcow2'


def test_the_template_directory_is_made(tmp_path):
    domain = guest(tmp_path, LAB_VM1)
    nested = tmp_path / 'deep' / 'templates'
    templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1'), dir=str(nested)).present()
    assert files(nested) == ['golden.json', 'golden.qcow2'] and mode(nested) & 0o777 == 0o755


def test_a_running_guest_is_cloned_by_a_push_backup_of_its_root_disk(tmp_path, fake_clock):
    domain = guest(tmp_path, LAB_VM1, active=True, job_polls=3)
    run = Run()
    result = templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1')).present()
    image = tmp_path / 'templates' / 'golden.qcow2'
    assert run.calls == []  # no qemu-img on a disk in use
    [(backup_xml, checkpoint_xml, flags)] = domain.backups
    backup = ElementTree.fromstring(backup_xml)
    assert backup.tag == 'domainbackup' and backup.get('mode') == 'push'
    [disk] = backup.findall('./disks/disk')
    assert (disk.get('name'), disk.get('backup'), disk.get('type')) == ('vda', 'yes', 'file')
    assert disk.find('driver').get('type') == 'qcow2'
    assert disk.find('target').get('file') == str(image) + '.part'
    assert checkpoint_xml is None and flags == 0
    # Polled until the job is gone: 3 polls while it runs, the 4th finds none; a pause between polls.
    assert domain.job_infos == 4 and fake_clock.sleeps == [kvm_template.POLL_SECONDS] * 3
    assert image.read_text() == 'backup of lab-vm1' and mode(image) == 0o444
    assert result['method'] == 'backup' and result['changed'] is True
    assert definition(tmp_path)['made_from'] == 'guest lab-vm1 (cloned while running)'
    assert definition(tmp_path)['source_uuid'] == LAB_VM1_UUID
    assert domain.undefined is None and domain.aborted is False


def test_the_backup_target_is_quoted_in_the_backup_xml(tmp_path):
    domain = guest(tmp_path, LAB_VM1, active=True)
    odd = tmp_path / "it's <here> & there"
    templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1'), dir=str(odd)).present()
    target = ElementTree.fromstring(domain.backups[0][0]).find('./disks/disk/target').get('file')
    assert target == str(odd / 'golden.qcow2.part')
    assert files(odd) == ['golden.json', 'golden.qcow2']


def test_a_failed_backup_job_fails_with_libvirts_reason_and_leaves_nothing(tmp_path):
    domain = guest(tmp_path, LAB_VM1, active=True,
                   stats={'type': FakeLibvirt.VIR_DOMAIN_JOB_FAILED, 'errmsg': 'No space left on device'})
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1')).present()
    assert str(exc.value) == 'the backup job copying vda of lab-vm1 failed: No space left on device'
    assert files(tmp_path / 'templates') == []


def test_a_failed_backup_job_without_a_message(tmp_path):
    domain = guest(tmp_path, LAB_VM1, active=True, stats={'type': 5})  # VIR_DOMAIN_JOB_CANCELLED
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1')).present()
    assert str(exc.value) == 'the backup job copying vda of lab-vm1 failed: libvirt gave no reason'
    assert files(tmp_path / 'templates') == []


def test_a_backup_job_without_statistics_is_checked_with_qemu_img(tmp_path):
    domain = guest(tmp_path, LAB_VM1, active=True, stats={})
    run = Run()
    result = templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1')).present()
    part = str(tmp_path / 'templates' / 'golden.qcow2.part')
    assert run.calls == [(['qemu-img', 'check', '-q', part], None)]
    assert result['changed'] is True and result['method'] == 'backup'
    assert files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']
    assert (tmp_path / 'templates' / 'golden.qcow2').read_text() == 'backup of lab-vm1'


def test_a_backup_without_statistics_is_checked_before_it_is_sealed(tmp_path):
    run = Run()
    templates(tmp_path, Conn(guest(tmp_path, LAB_VM1, active=True, stats={})), run, source=from_guest('lab-vm1'),
              seal=True, seal_operations=['machine-id']).present()
    part = str(tmp_path / 'templates' / 'golden.qcow2.part')
    assert [argv for argv, _env in run.calls] == [['qemu-img', 'check', '-q', part],
                                                  ['virt-sysprep', '--quiet', '-a', part, '--operations', 'machine-id']]


def test_a_backup_without_statistics_that_fails_the_check_fails_and_leaves_nothing(tmp_path):
    domain = guest(tmp_path, LAB_VM1, active=True, stats={})
    run = Run(check=(2, '', CHECK_TRUNCATED))
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1'), seal=True).present()
    assert str(exc.value) == ('the backup of vda of lab-vm1 is not a sound image (qemu-img check, exit 2): %s'
                              % CHECK_TRUNCATED.strip())
    assert [argv[:2] for argv, _env in run.calls] == [['qemu-img', 'check']]  # not sealed
    assert files(tmp_path / 'templates') == []  # no .part, no image, no definition


def test_a_backup_job_with_statistics_is_not_checked_again(tmp_path):
    run = Run(check=(2, '', CHECK_TRUNCATED))
    templates(tmp_path, Conn(guest(tmp_path, LAB_VM1, active=True)), run, source=from_guest('lab-vm1')).present()
    assert run.calls == [] and files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']


def test_a_backup_job_over_the_timeout_is_aborted(tmp_path, fake_clock):
    fake_clock.step = 2.0
    domain = guest(tmp_path, LAB_VM1, active=True, job_polls=None)  # never ends by itself
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1'), timeout=5).present()
    assert str(exc.value) == 'the backup job copying vda of lab-vm1 took more than 5 s and was aborted'
    assert domain.aborted is True
    assert len(fake_clock.sleeps) == 2  # at 2 s and 4 s after the start; the third check (6 s) aborts
    assert files(tmp_path / 'templates') == []


def test_a_libvirt_error_during_the_backup_removes_the_part(tmp_path):
    domain = guest(tmp_path, LAB_VM1, active=True)

    def gone():
        raise FakeLibvirt.libvirtError('Requested operation is not valid: domain is not running')

    domain.jobInfo = gone
    with pytest.raises(FakeLibvirt.libvirtError):
        templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1')).present()
    assert files(tmp_path / 'templates') == []


def test_a_shut_off_guest_is_converted(tmp_path):
    domain = guest(tmp_path, CLONE)
    conn = Conn(domain)
    run = Run()
    result = templates(tmp_path, conn, run, source=from_guest('clone', keep_guest=False)).present()
    images = tmp_path / 'images'
    root, scratch = str(images / 'clone-root.qcow2'), str(images / 'clone-scratch.qcow2')
    assert run.calls == [(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'qcow2', root,
                           str(tmp_path / 'templates' / 'golden.qcow2.part')], {})]
    # Undefined with its snapshot and checkpoint metadata, managed save and NVRAM, once the template was there;
    # the root disk is gone, the other kept.
    assert domain.undefined == ALL_UNDEFINE_FLAGS == 1 | 2 | 4 | 16
    assert domain.image_when_undefined == [True]
    assert conn.domains == {}
    assert not os.path.exists(root) and os.path.exists(scratch)
    assert result['removed_guest'] == 'clone' and result['kept_disks'] == [scratch]
    assert result['changed'] is True and result['method'] == 'convert'
    assert definition(tmp_path) == {'name': 'golden', 'vcpus': 1, 'memory_mib': 256, 'machine': 'pc-q35-10.0',
                                    'made_from': 'guest clone (converted)', 'sealed': [], 'source_uuid': CLONE_UUID}
    assert (tmp_path / 'templates' / 'golden.qcow2').read_text() == 'qcow2 of disk clone-root.qcow2'


def test_converting_a_guest_with_a_cdrom_keeps_the_iso_and_skips_other_disk_types(tmp_path):
    domain = guest(tmp_path, PINNED)
    result = templates(tmp_path, Conn(domain), Run(), source=from_guest('pinned-capture', keep_guest=False)).present()
    assert result['removed_guest'] == 'pinned-capture' and result['kept_disks'] == ['/srv/iso/debian-13.iso']
    assert not os.path.exists(str(tmp_path / 'images' / 'pinned-root.qcow2'))
    assert definition(tmp_path)['machine'] == 'pc-i440fx-10.0' and definition(tmp_path)['memory_mib'] == 64


def test_converting_a_running_guest_is_refused_and_nothing_is_made(tmp_path):
    domain = guest(tmp_path, CLONE, active=True)
    run = Run()
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), run, source=from_guest('clone', keep_guest=False)).present()
    assert str(exc.value) == ('guest clone runs; converting it to template golden needs it shut off (cloning it, '
                              'keep_guest: true, copies a running guest). Nothing was changed.')
    assert run.calls == [] and domain.backups == [] and domain.undefined is None
    assert not os.path.exists(str(tmp_path / 'templates'))
    assert files(tmp_path / 'images') == ['clone-root.qcow2', 'clone-scratch.qcow2']


def test_a_missing_guest_fails(tmp_path):
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(), Run(), source=from_guest('nope')).present()
    assert str(exc.value) == 'guest nope does not exist on this host'


def test_a_guest_without_a_file_disk_fails(tmp_path):
    xml = ("<domain type='kvm'><name>lvm</name><uuid>%s</uuid><memory unit='KiB'>262144</memory><devices>"
           "<disk type='block' device='disk'><source dev='/dev/vg0/lvm-root'/><target dev='vda'/></disk>"
           "</devices></domain>" % OTHER_UUID)
    run = Run()
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(Domain(xml)), run, source=from_guest('lvm')).present()
    assert str(exc.value) == 'guest lvm has no disk image a template could be made from (a file disk with device="disk")'
    assert run.calls == [] and not os.path.exists(str(tmp_path / 'templates'))


def test_a_stale_part_is_removed_before_the_copy(tmp_path):
    (tmp_path / 'templates').mkdir()
    part = tmp_path / 'templates' / 'golden.qcow2.part'
    part.write_text('half a copy')
    domain = guest(tmp_path, LAB_VM1)
    run = Run()
    run_convert = run.__call__

    def checking(argv, environ_update=None):
        assert not part.exists(), 'the stale .part is still there when the copy starts'
        return run_convert(argv, environ_update)

    templates(tmp_path, Conn(domain), checking, source=from_guest('lab-vm1')).present()
    assert not part.exists() and (tmp_path / 'templates' / 'golden.qcow2').read_text().startswith('qcow2 of disk')


def test_a_stale_part_does_not_stop_a_backup(tmp_path):
    (tmp_path / 'templates').mkdir()
    (tmp_path / 'templates' / 'golden.qcow2.part').write_text('half a backup')
    domain = guest(tmp_path, LAB_VM1, active=True)  # backupBegin refuses an existing target, as libvirt does
    templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1')).present()
    assert (tmp_path / 'templates' / 'golden.qcow2').read_text() == 'backup of lab-vm1'
    assert files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']


# --- sealing --------------------------------------------------------------------------------------------------


def test_the_copy_is_sealed_with_virt_sysprep_before_it_is_made_read_only(tmp_path):
    domain = guest(tmp_path, LAB_VM1)
    run = Run()
    result = templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1'), seal=True,
                       seal_operations=['machine-id', 'ssh-hostkeys', 'logfiles'],
                       seal_environment={'LIBGUESTFS_BACKEND': 'direct'}).present()
    part = str(tmp_path / 'templates' / 'golden.qcow2.part')
    assert [argv for argv, _env in run.calls] == [
        ['qemu-img', 'convert', '-f', 'qcow2', '-O', 'qcow2', str(tmp_path / 'images' / 'lab-vm1-root.qcow2'), part],
        ['virt-sysprep', '--quiet', '-a', part, '--operations', 'machine-id,ssh-hostkeys,logfiles']]
    assert run.calls[1][1] == {'LIBGUESTFS_BACKEND': 'direct'} and run.calls[0][1] == {}
    assert run.sealed_mode & 0o200  # still writable while sealed
    image = tmp_path / 'templates' / 'golden.qcow2'
    assert image.read_text() == 'qcow2 of disk lab-vm1-root.qcow2 (sealed)' and mode(image) == 0o444
    assert definition(tmp_path)['sealed'] == ['machine-id', 'ssh-hostkeys', 'logfiles']
    assert result['definition']['sealed'] == ['machine-id', 'ssh-hostkeys', 'logfiles']


def test_the_default_seal_operations(tmp_path):
    run = Run()
    templates(tmp_path, Conn(guest(tmp_path, LAB_VM1)), run, source=from_guest('lab-vm1'), seal=True).present()
    assert run.calls[1][0][-2:] == ['--operations', ','.join(SEAL_OPERATIONS)]
    assert definition(tmp_path)['sealed'] == SEAL_OPERATIONS


def test_a_backup_copy_is_sealed_too(tmp_path):
    run = Run()
    templates(tmp_path, Conn(guest(tmp_path, LAB_VM1, active=True)), run, source=from_guest('lab-vm1'),
              seal=True, seal_operations=['machine-id']).present()
    part = str(tmp_path / 'templates' / 'golden.qcow2.part')
    assert run.calls == [(['virt-sysprep', '--quiet', '-a', part, '--operations', 'machine-id'], {})]
    assert (tmp_path / 'templates' / 'golden.qcow2').read_text() == 'backup of lab-vm1 (sealed)'


SUPERMIN_FAILED = 'virt-sysprep: error: libguestfs error: /usr/bin/supermin exited with error status 1.\n'


def test_a_failing_seal_removes_the_copy_and_fails_with_its_error(tmp_path):
    domain = guest(tmp_path, CLONE)
    run = Run(sysprep=(1, '', SUPERMIN_FAILED))
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), run, source=from_guest('clone', keep_guest=False), seal=True).present()
    root = str(tmp_path / 'images' / 'clone-root.qcow2')
    assert str(exc.value) == ('sealing the copy of %s failed (virt-sysprep, exit 1): %s' % (root, SUPERMIN_FAILED.strip()))
    assert files(tmp_path / 'templates') == []
    # A conversion whose copy failed leaves the guest as it was.
    assert domain.undefined is None and os.path.exists(root)


def test_a_failing_copy_fails_with_stdout_when_stderr_is_empty(tmp_path):
    def run(argv, environ_update=None):
        return 1, 'qemu-img: Could not open source\n', ''

    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(guest(tmp_path, LAB_VM1)), run, source=from_guest('lab-vm1')).present()
    assert str(exc.value) == ('copying %s failed (qemu-img, exit 1): qemu-img: Could not open source'
                              % (tmp_path / 'images' / 'lab-vm1-root.qcow2'))
    assert files(tmp_path / 'templates') == []


# --- an existing template ---------------------------------------------------------------------------------------


def test_a_second_run_changes_nothing_and_runs_nothing(tmp_path):
    domain = guest(tmp_path, LAB_VM1)
    templates(tmp_path, Conn(domain), Run(), source=from_guest('lab-vm1')).present()
    image = tmp_path / 'templates' / 'golden.qcow2'
    before = (image.read_text(), os.stat(str(image)).st_mtime_ns, definition(tmp_path))
    run = Run()
    result = templates(tmp_path, Conn(domain), run, source=from_guest('lab-vm1')).present()
    assert result['changed'] is False and run.calls == [] and domain.backups == []
    assert result['definition'] == before[2] and result['method'] is None
    assert result['diff'] == {'before': '', 'after': ''}
    assert (image.read_text(), os.stat(str(image)).st_mtime_ns, definition(tmp_path)) == before


def test_an_existing_template_needs_no_source(tmp_path):
    _image, body = make_template(tmp_path, 'golden')
    result = templates(tmp_path).present()
    assert result['changed'] is False and result['definition'] == body


def test_a_missing_template_without_a_source_fails(tmp_path):
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path).present()
    assert str(exc.value) == ('template golden does not exist in %s; give a source to make it from'
                              % (tmp_path / 'templates'))


@pytest.mark.parametrize('check_mode', [False, True])
def test_an_image_without_its_definition_is_refused_and_left_as_it_is(tmp_path, check_mode):
    image, _body = make_template(tmp_path, 'golden')
    (tmp_path / 'templates' / 'golden.json').unlink()
    before = (image.read_text(), mode(image), os.stat(str(image)).st_mtime_ns)
    domain = guest(tmp_path, LAB_VM1)
    run = Run()
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), run, check_mode=check_mode, source=from_guest('lab-vm1')).present()
    assert str(exc.value) == ('%s exists without its definition %s; restore the definition, or remove the image if no '
                              'guest is made from it. Nothing was changed.'
                              % (image, tmp_path / 'templates' / 'golden.json'))
    assert run.calls == [] and domain.backups == [] and domain.undefined is None
    assert files(tmp_path / 'templates') == ['golden.qcow2']
    assert (image.read_text(), mode(image), os.stat(str(image)).st_mtime_ns) == before


def test_an_image_without_its_definition_is_refused_without_a_source_too(tmp_path):
    image, _body = make_template(tmp_path, 'golden')
    (tmp_path / 'templates' / 'golden.json').unlink()
    with pytest.raises(TemplateError, match='exists without its definition'):
        templates(tmp_path).present()
    assert files(tmp_path / 'templates') == ['golden.qcow2'] and image.read_text() == 'template golden'


def test_a_definition_without_its_image_is_made_again(tmp_path):
    image, _body = make_template(tmp_path, 'golden', vcpus=8)
    image.unlink()
    run = Run()
    result = templates(tmp_path, Conn(guest(tmp_path, LAB_VM1)), run, source=from_guest('lab-vm1')).present()
    assert result['changed'] is True and [argv[:2] for argv, _env in run.calls] == [['qemu-img', 'convert']]
    assert definition(tmp_path)['vcpus'] == 1 and definition(tmp_path)['made_from'] == 'guest lab-vm1 (cloned)'


def test_changed_vcpus_change_only_the_definition(tmp_path):
    image, body = make_template(tmp_path, 'golden', source_uuid=LAB_VM1_UUID)
    run = Run()
    result = templates(tmp_path, Conn(guest(tmp_path, LAB_VM1)), run, source=from_guest('lab-vm1'), vcpus=4).present()
    wanted = dict(body, vcpus=4)
    assert result['changed'] is True and result['definition'] == wanted and definition(tmp_path) == wanted
    assert json.loads(result['diff']['before']) == body and json.loads(result['diff']['after']) == wanted
    assert result['diff']['before_header'] == result['diff']['after_header'] == str(tmp_path / 'templates' / 'golden.json')
    assert run.calls == [] and image.read_text() == 'template golden' and mode(image) == 0o444
    assert mode(tmp_path / 'templates' / 'golden.json') == 0o644
    assert files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']


def test_changed_memory_in_check_mode_is_reported_not_written(tmp_path):
    _image, body = make_template(tmp_path, 'golden')
    result = templates(tmp_path, check_mode=True, memory_mib=2048).present()
    assert result['changed'] is True and result['definition'] == dict(body, memory_mib=2048)
    assert json.loads(result['diff']['after'])['memory_mib'] == 2048
    assert definition(tmp_path) == body


def test_an_interrupted_conversion_is_finished_on_the_next_run(tmp_path):
    domain = guest(tmp_path, CLONE)
    image, _body = make_template(tmp_path, 'golden', source_uuid=CLONE_UUID, made_from='guest clone (converted)')
    conn = Conn(domain)
    run = Run()
    result = templates(tmp_path, conn, run, source=from_guest('clone', keep_guest=False)).present()
    assert run.calls == [] and image.read_text() == 'template golden'
    assert result['changed'] is True and result['removed_guest'] == 'clone'
    assert result['kept_disks'] == [str(tmp_path / 'images' / 'clone-scratch.qcow2')]
    assert domain.undefined == ALL_UNDEFINE_FLAGS and conn.domains == {}
    assert files(tmp_path / 'images') == ['clone-scratch.qcow2']


def test_an_interrupted_conversion_in_check_mode_is_reported_only(tmp_path):
    domain = guest(tmp_path, CLONE)
    make_template(tmp_path, 'golden', source_uuid=CLONE_UUID)
    result = templates(tmp_path, Conn(domain), check_mode=True, source=from_guest('clone', keep_guest=False)).present()
    assert result['changed'] is True and result['removed_guest'] == 'clone'
    assert domain.undefined is None and files(tmp_path / 'images') == ['clone-root.qcow2', 'clone-scratch.qcow2']


def test_an_interrupted_conversion_of_a_guest_started_again_fails(tmp_path):
    domain = guest(tmp_path, CLONE, active=True)
    make_template(tmp_path, 'golden', source_uuid=CLONE_UUID)
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(domain), source=from_guest('clone', keep_guest=False)).present()
    assert str(exc.value).startswith('guest clone runs again; template golden was made from it')
    assert domain.undefined is None and len(files(tmp_path / 'images')) == 2


def test_a_new_guest_with_the_converted_guests_name_is_left_alone(tmp_path):
    domain = guest(tmp_path, CLONE, uuid=OTHER_UUID)
    make_template(tmp_path, 'golden', source_uuid=CLONE_UUID)
    result = templates(tmp_path, Conn(domain), source=from_guest('clone', keep_guest=False)).present()
    assert result['changed'] is False and result['removed_guest'] is None
    assert domain.undefined is None and files(tmp_path / 'images') == ['clone-root.qcow2', 'clone-scratch.qcow2']


def test_a_conversion_whose_guest_is_gone_is_done(tmp_path):
    make_template(tmp_path, 'golden', source_uuid=CLONE_UUID)
    result = templates(tmp_path, Conn(), source=from_guest('clone', keep_guest=False)).present()
    assert result['changed'] is False and result['removed_guest'] is None


def test_a_clone_never_undefines_the_guest_even_with_the_recorded_uuid(tmp_path):
    domain = guest(tmp_path, CLONE)
    make_template(tmp_path, 'golden', source_uuid=CLONE_UUID)
    result = templates(tmp_path, Conn(domain), source=from_guest('clone')).present()
    assert result['changed'] is False and domain.undefined is None


def test_a_definition_that_is_not_json_fails(tmp_path):
    make_template(tmp_path, 'golden')
    (tmp_path / 'templates' / 'golden.json').write_text('{"name": ')
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path).present()
    assert str(exc.value).startswith('%s is not a template definition (JSON): ' % (tmp_path / 'templates' / 'golden.json'))


# --- from a template, from a file ---------------------------------------------------------------------------------


def test_a_template_from_a_template_takes_its_numbers(tmp_path):
    source_image, _body = make_template(tmp_path, 'base', vcpus=2, memory_mib=2048, machine='pc-q35-7.2',
                                        made_from='guest web1 (cloned)', source_uuid=LAB_VM1_UUID,
                                        sealed=['machine-id'])
    run = Run()
    result = templates(tmp_path, Conn(), run, source=dict(type='template', template='base')).present()
    # A template is qcow2: given as such, never probed.
    assert run.calls == [(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'qcow2', str(source_image),
                           str(tmp_path / 'templates' / 'golden.qcow2.part')], {})]
    expected = {'name': 'golden', 'vcpus': 2, 'memory_mib': 2048, 'machine': 'pc-q35-7.2',
                'made_from': 'template base', 'sealed': []}
    assert definition(tmp_path) == expected and result['definition'] == expected and result['method'] == 'convert'
    assert (tmp_path / 'templates' / 'golden.qcow2').read_text() == 'qcow2 of template base'
    assert source_image.read_text() == 'template base' and definition(tmp_path, 'base')['name'] == 'base'


def test_a_template_from_a_template_with_more_memory(tmp_path):
    make_template(tmp_path, 'base', vcpus=2, memory_mib=2048)
    templates(tmp_path, Conn(), Run(), source=dict(type='template', template='base'), memory_mib=4096).present()
    assert (definition(tmp_path)['vcpus'], definition(tmp_path)['memory_mib']) == (2, 4096)


def test_a_missing_source_template_fails(tmp_path):
    run = Run()
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(), run, source=dict(type='template', template='nope')).present()
    assert str(exc.value) == 'template nope, the source of golden, does not exist in %s' % (tmp_path / 'templates')
    assert run.calls == []


def test_a_source_template_without_its_image_is_missing(tmp_path):
    image, _body = make_template(tmp_path, 'base')
    image.unlink()
    with pytest.raises(TemplateError, match='template base, the source of golden, does not exist'):
        templates(tmp_path, Conn(), Run(), source=dict(type='template', template='base')).present()


def test_a_file_is_imported(tmp_path):
    cloud = import_file(tmp_path, 'cloud.qcow2')
    run = Run(images={str(cloud): image_info(tmp_path, 'cloud')})
    result = templates(tmp_path, Conn(), run, name='debian-13', source=dict(type='file', path=str(cloud)),
                       vcpus=2, memory_mib=2048).present()
    image = tmp_path / 'templates' / 'debian-13.qcow2'
    # Its format read first (without changing it), then given to the copy.
    assert run.calls == [(info_argv(cloud), None),
                         (['qemu-img', 'convert', '-f', 'qcow2', '-O', 'qcow2', str(cloud), str(image) + '.part'], {})]
    expected = {'name': 'debian-13', 'vcpus': 2, 'memory_mib': 2048, 'machine': None,
                'made_from': 'file %s' % cloud, 'sealed': []}
    assert definition(tmp_path, 'debian-13') == expected and result['definition'] == expected
    assert image.read_text() == 'qcow2 of cloud image' and mode(image) == 0o444 and cloud.exists()
    assert result['method'] == 'convert' and result['path'] == str(image)


def test_an_imported_raw_file_is_copied_as_raw_and_gets_the_default_numbers(tmp_path):
    raw = import_file(tmp_path, 'disk.raw', 'raw')
    run = Run(images={str(raw): image_info(tmp_path, 'raw')})
    templates(tmp_path, Conn(), run, source=dict(type='file', path=str(raw))).present()
    assert [argv for argv, _env in run.calls] == [
        info_argv(raw), ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', str(raw),
                         str(tmp_path / 'templates' / 'golden.qcow2.part')]]
    assert (definition(tmp_path)['vcpus'], definition(tmp_path)['memory_mib']) == (1, 1024)


@pytest.mark.parametrize('capture, refers', [('backing', 'cloud.qcow2'), ('data-file', 'external.data')],
                         ids=['backing file', 'qcow2 data file'])
def test_a_file_that_refers_to_another_file_is_refused_and_nothing_is_made(tmp_path, capture, refers):
    # qemu-img convert would read the other file too: a template must not depend on (or leak) a host file.
    image = import_file(tmp_path, {'backing': 'linked.qcow2', 'data-file': 'external.qcow2'}[capture])
    run = Run(images={str(image): image_info(tmp_path, capture)})
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(), run, source=dict(type='file', path=str(image))).present()
    assert str(exc.value) == ('the image %s refers to another file (%s); a template is imported from a self-contained '
                              'image only. Nothing was changed.' % (image, refers))
    assert run.calls == [(info_argv(image), None)]
    assert not os.path.exists(str(tmp_path / 'templates')) and image.read_text() == 'cloud image'


def test_a_file_with_a_backing_file_is_refused_in_check_mode_too(tmp_path):
    image = import_file(tmp_path, 'linked.qcow2')
    run = Run(images={str(image): image_info(tmp_path, 'backing')})
    with pytest.raises(TemplateError, match=r'refers to another file \(cloud\.qcow2\)'):
        templates(tmp_path, Conn(), run, check_mode=True, source=dict(type='file', path=str(image))).present()
    assert not os.path.exists(str(tmp_path / 'templates'))


def test_a_file_qemu_img_cannot_read_fails_before_anything_is_made(tmp_path):
    image = import_file(tmp_path, 'v9.qcow2')
    # qemu-img 7.2 on a qcow2 whose header says version 9.
    run = Run(info_error="qemu-img: Could not open '%s': Unsupported qcow2 version 9\n" % image)
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(), run, source=dict(type='file', path=str(image))).present()
    assert str(exc.value) == "cannot read the image %s: qemu-img: Could not open '%s': Unsupported qcow2 version 9" % (
        image, image)
    assert run.calls == [(info_argv(image), None)] and not os.path.exists(str(tmp_path / 'templates'))


def test_check_mode_of_a_file_import_reads_its_format_only(tmp_path):
    raw = import_file(tmp_path, 'disk.raw', 'raw')
    run = Run(images={str(raw): image_info(tmp_path, 'raw')})
    result = templates(tmp_path, Conn(), run, check_mode=True, source=dict(type='file', path=str(raw))).present()
    assert result['changed'] is True and result['method'] == 'convert'
    assert result['definition']['made_from'] == 'file %s' % raw
    assert run.calls == [(info_argv(raw), None)] and not os.path.exists(str(tmp_path / 'templates'))


def test_a_missing_file_fails(tmp_path):
    run = Run()
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(), run, source=dict(type='file', path=str(tmp_path / 'nope.qcow2'))).present()
    assert str(exc.value) == 'the image %s does not exist' % (tmp_path / 'nope.qcow2')
    assert run.calls == [] and not os.path.exists(str(tmp_path / 'templates'))


def test_a_directory_is_not_a_file_to_import(tmp_path):
    with pytest.raises(TemplateError, match='does not exist'):
        templates(tmp_path, Conn(), Run(), source=dict(type='file', path=str(tmp_path))).present()


# --- check mode -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('active, method, made_from', [
    (False, 'convert', 'guest lab-vm1 (cloned)'),
    (True, 'backup', 'guest lab-vm1 (cloned while running)'),
])
def test_check_mode_plans_the_definition_and_makes_nothing(tmp_path, active, method, made_from):
    domain = guest(tmp_path, LAB_VM1, active=active)
    run = Run()
    result = templates(tmp_path, Conn(domain), run, check_mode=True, source=from_guest('lab-vm1'), seal=True,
                       vcpus=2).present()
    assert result['changed'] is True and result['method'] == method
    assert result['definition'] == {'name': 'golden', 'vcpus': 2, 'memory_mib': 128, 'machine': 'pc-q35-10.0',
                                    'made_from': made_from, 'sealed': SEAL_OPERATIONS, 'source_uuid': LAB_VM1_UUID}
    assert json.loads(result['diff']['after']) == result['definition']
    assert run.calls == [] and domain.backups == [] and not os.path.exists(str(tmp_path / 'templates'))


def test_check_mode_of_a_conversion_makes_nothing_and_keeps_the_guest(tmp_path):
    domain = guest(tmp_path, CLONE)
    conn = Conn(domain)
    run = Run()
    result = templates(tmp_path, conn, run, check_mode=True, source=from_guest('clone', keep_guest=False)).present()
    assert result['changed'] is True and result['definition']['made_from'] == 'guest clone (converted)'
    # What a real run would remove and keep...
    assert result['removed_guest'] == 'clone'
    assert result['kept_disks'] == [str(tmp_path / 'images' / 'clone-scratch.qcow2')]
    # ...and nothing removed.
    assert run.calls == [] and domain.undefined is None and conn.domains == {'clone': domain}
    assert not os.path.exists(str(tmp_path / 'templates'))
    assert files(tmp_path / 'images') == ['clone-root.qcow2', 'clone-scratch.qcow2']


def test_check_mode_of_a_clone_removes_no_guest(tmp_path):
    result = templates(tmp_path, Conn(guest(tmp_path, CLONE)), check_mode=True, source=from_guest('clone')).present()
    assert result['removed_guest'] is None and result['kept_disks'] == []


def test_check_mode_still_refuses_what_the_run_would_refuse(tmp_path):
    with pytest.raises(TemplateError, match='needs it shut off'):
        templates(tmp_path, Conn(guest(tmp_path, CLONE, active=True)), check_mode=True,
                  source=from_guest('clone', keep_guest=False)).present()
    with pytest.raises(TemplateError, match='does not exist'):
        templates(tmp_path, Conn(), check_mode=True, source=dict(type='template', template='nope')).present()


# --- absent ---------------------------------------------------------------------------------------------------------


def chain(tmp_path, name):
    """Real qemu-img output for disk `name`, its paths moved from where it was captured to tmp_path."""
    return read_fixture('qemu-img', 'info-backing-chain-%s-bookworm.json' % name).replace(CAPTURE_DIR, str(tmp_path))


def web_guest(tmp_path, name, disks, active=False):
    """A domain (lab-vm1's definition) with file disks tmp_path/images/<disk>.qcow2."""
    devices = ''.join("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                      "<source file='%s'/><target dev='vd%s' bus='virtio'/></disk>"
                      % (tmp_path / 'images' / (disk + '.qcow2'), 'abcdef'[index]) for index, disk in enumerate(disks))
    root_disk = LAB_VM1[LAB_VM1.index("    <disk type='file'"):LAB_VM1.index('</disk>') + len('</disk>\n')]
    return guest(tmp_path, LAB_VM1.replace(root_disk, devices), name=name, uuid=OTHER_UUID, active=active)


@pytest.fixture
def web_host(tmp_path):
    """Template web-golden and the disks of the capture: web1-root/web2-root/web3-root on it, web1-data on nothing."""
    make_template(tmp_path, 'web-golden')
    (tmp_path / 'images').mkdir()
    chains = {}
    for disk in ('web1-root', 'web1-data', 'web2-root', 'web3-root', 'web3-base'):
        (tmp_path / 'images' / (disk + '.qcow2')).write_text(disk)
        if disk != 'web3-base':
            chains[str(tmp_path / 'images' / (disk + '.qcow2'))] = chain(tmp_path, disk)
    return chains


def test_absent_removes_the_image_and_the_definition(tmp_path, web_host):
    data_only = web_guest(tmp_path, 'data', ['web1-data'])
    run = Run(chains=web_host)
    result = templates(tmp_path, Conn(data_only), run, name='web-golden', state='absent').absent()
    assert result['changed'] is True and files(tmp_path / 'templates') == []
    assert json.loads(result['diff']['before'])['name'] == 'web-golden' and result['diff']['after'] == ''
    assert run.calls == [(['qemu-img', 'info', '--force-share', '--backing-chain', '--output=json',
                           str(tmp_path / 'images' / 'web1-data.qcow2')], None)]


@pytest.mark.parametrize('disks, how', [(['web1-data', 'web1-root'], 'by its absolute path'),
                                        (['web2-root'], 'by a path relative to the disk'),
                                        (['web3-root'], 'below another backing file')])
def test_absent_is_refused_while_a_disk_is_backed_by_the_template(tmp_path, web_host, disks, how):
    user = web_guest(tmp_path, 'web', disks)
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(user), Run(chains=web_host), name='web-golden', state='absent').absent()
    backed = str(tmp_path / 'images' / (disks[-1] + '.qcow2'))
    assert str(exc.value) == ('template web-golden is the backing file of web (%s); remove those guests (or make them '
                              'full copies) first. Nothing was removed.' % backed), how
    assert files(tmp_path / 'templates') == ['web-golden.json', 'web-golden.qcow2']


def test_absent_is_refused_while_a_disk_is_the_template_itself(tmp_path, web_host):
    # A guest given the template image as its disk (no overlay): qemu-img reports it as the only layer's filename.
    template = tmp_path / 'templates' / 'web-golden.qcow2'
    web1_root = json.loads(web_host[str(tmp_path / 'images' / 'web1-root.qcow2')])
    assert web1_root[-1]['filename'] == str(template)  # the last layer of a real chain: the template, alone
    devices = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/>"
               "<target dev='vda' bus='virtio'/></disk>" % template)
    root_disk = LAB_VM1[LAB_VM1.index("    <disk type='file'"):LAB_VM1.index('</disk>') + len('</disk>\n')]
    direct = guest(tmp_path, LAB_VM1.replace(root_disk, devices), name='direct', uuid=OTHER_UUID)
    run = Run(chains=dict(web_host, **{str(template): json.dumps([web1_root[-1]], indent=4)}))
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(direct), run, name='web-golden', state='absent').absent()
    assert str(exc.value) == ('template web-golden is the backing file of direct (%s); remove those guests (or make '
                              'them full copies) first. Nothing was removed.' % template)
    assert files(tmp_path / 'templates') == ['web-golden.json', 'web-golden.qcow2']


def test_absent_names_every_guest_backed_by_the_template(tmp_path, web_host):
    conn = Conn(web_guest(tmp_path, 'web1', ['web1-root', 'web1-data']), web_guest(tmp_path, 'web3', ['web3-root'],
                                                                                   active=True))
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, conn, Run(chains=web_host), name='web-golden', state='absent').absent()
    assert 'backing file of web1 (%s), web3 (%s);' % (tmp_path / 'images' / 'web1-root.qcow2',
                                                      tmp_path / 'images' / 'web3-root.qcow2') in str(exc.value)


def test_absent_skips_disks_that_are_not_on_this_host(tmp_path, web_host):
    gone = web_guest(tmp_path, 'gone', ['web1-root'])
    (tmp_path / 'images' / 'web1-root.qcow2').unlink()
    run = Run(chains=web_host)
    result = templates(tmp_path, Conn(gone, guest(tmp_path, PINNED)), run, name='web-golden', state='absent').absent()
    # pinned's root is checked; its ISO (/srv/iso) is not on this host; its block and volume disks are not files.
    assert [argv[-1] for argv, _env in run.calls] == [str(tmp_path / 'images' / 'pinned-root.qcow2')]
    assert result['changed'] is True and files(tmp_path / 'templates') == []


def test_absent_fails_when_a_backing_chain_cannot_be_read(tmp_path, web_host):
    run = Run(info_error="qemu-img: Could not open '/x': Permission denied\n")
    with pytest.raises(TemplateError) as exc:
        templates(tmp_path, Conn(web_guest(tmp_path, 'web1', ['web1-data'])), run, name='web-golden',
                  state='absent').absent()
    assert str(exc.value) == ("cannot read the backing chain of %s (guest web1): qemu-img: Could not open '/x': "
                              "Permission denied" % (tmp_path / 'images' / 'web1-data.qcow2'))
    assert files(tmp_path / 'templates') == ['web-golden.json', 'web-golden.qcow2']


def test_absent_of_a_missing_template_changes_nothing(tmp_path, web_host):
    run = Run(chains=web_host)
    result = templates(tmp_path, Conn(web_guest(tmp_path, 'web1', ['web1-root'])), run, name='other',
                       state='absent').absent()
    assert result['changed'] is False and run.calls == [] and result['definition'] is None
    assert files(tmp_path / 'templates') == ['web-golden.json', 'web-golden.qcow2']


def test_absent_in_check_mode_removes_nothing(tmp_path, web_host):
    result = templates(tmp_path, Conn(), Run(), check_mode=True, name='web-golden', state='absent').absent()
    assert result['changed'] is True and files(tmp_path / 'templates') == ['web-golden.json', 'web-golden.qcow2']


def test_absent_removes_a_lone_image_or_a_lone_definition(tmp_path):
    make_template(tmp_path, 'a')
    (tmp_path / 'templates' / 'a.json').unlink()
    make_template(tmp_path, 'b')[0].unlink()
    assert templates(tmp_path, name='a', state='absent').absent()['changed'] is True
    result = templates(tmp_path, name='b', state='absent').absent()
    assert result['changed'] is True and json.loads(result['diff']['before'])['name'] == 'b'
    assert files(tmp_path / 'templates') == []


# --- input checks -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('overrides, error', [
    (dict(name='web golden'), "name 'web golden' may hold letters, digits, '_', '.', '+' and '-' only"),
    (dict(name='../etc/passwd'), "name '../etc/passwd' may hold letters, digits, '_', '.', '+' and '-' only"),
    (dict(name='-rf'), "name '-rf' may hold letters, digits, '_', '.', '+' and '-' only"),
    (dict(name='.hidden'), "name '.hidden' may hold letters, digits, '_', '.', '+' and '-' only"),
    (dict(name='golden\n'), "name 'golden\n' may hold letters, digits, '_', '.', '+' and '-' only"),
    (dict(vcpus=0), 'vcpus must be at least 1, got 0'),
    (dict(memory_mib=8), 'memory_mib must be at least 16, got 8'),
    (dict(source=dict(type='file', path='images/debian.qcow2')), 'source.path must be an absolute path, got images/debian.qcow2'),
    (dict(source=dict(type='file')), 'source.type file needs source.path'),
    (dict(source=dict(type='guest')), 'source.type guest needs source.guest'),
    (dict(source=dict(type='template')), 'source.type template needs source.template'),
    (dict(source=dict(type='template', template='golden')), 'template golden cannot be made from itself'),
    (dict(source=dict(type='template', template='../x')), "source.template '../x' is not a template name"),
    (dict(source=dict(type='template', template='/srv/images/x')), "source.template '/srv/images/x' is not a template name"),
    (dict(source=dict(type='template', template='web golden')), "source.template 'web golden' is not a template name"),
    (dict(source=dict(type='template', template='.hidden')), "source.template '.hidden' is not a template name"),
])
def test_input_errors(tmp_path, overrides, error):
    assert _check_params(params(tmp_path, **overrides)) == [error]


def test_every_input_error_at_once(tmp_path):
    assert _check_params(params(tmp_path, name='a b', vcpus=-1, memory_mib=0)) == [
        "name 'a b' may hold letters, digits, '_', '.', '+' and '-' only",
        'vcpus must be at least 1, got -1', 'memory_mib must be at least 16, got 0']


@pytest.mark.parametrize('name', ['golden', 'debian-13', 'web_golden.v2', 'c++', 'A1'])
def test_good_names(tmp_path, name):
    assert _check_params(params(tmp_path, name=name, vcpus=1, memory_mib=16,
                                source=dict(type='file', path='/srv/images/x.qcow2'))) == []


# --- main() ---------------------------------------------------------------------------------------------------------


def run_main(monkeypatch, capsys, conn, args, check_mode=False, diff=False):
    fake = FakeLibvirt(conn)
    monkeypatch.setattr(kvm_template, 'libvirt', fake)
    rc, out = run_module_main(kvm_template.main, dict(args, _ansible_diff=diff), capsys, check_mode=check_mode)
    return rc, out, fake


TOOLS = textwrap.dedent('''\
    #!{python}
    import json, os, sys
    with open(os.environ['FAKE_TOOLS_LOG'], 'a') as log:
        log.write(json.dumps({{'argv': [os.path.basename(sys.argv[0])] + sys.argv[1:],
                               'backend': os.environ.get('LIBGUESTFS_BACKEND')}}) + '\\n')
    if os.path.basename(sys.argv[0]) == 'qemu-img' and sys.argv[1] == 'info':
        # What qemu-img info printed for an image (FAKE_QEMU_IMG_INFO), as if for this one.
        with open(os.environ['FAKE_QEMU_IMG_INFO']) as info:
            sys.stdout.write(json.dumps(dict(json.load(info), filename=sys.argv[-1]), indent=4) + '\\n')
    if os.path.basename(sys.argv[0]) == 'qemu-img' and sys.argv[1] == 'convert':
        with open(sys.argv[-1], 'w') as out:
            out.write('qcow2 of ' + open(sys.argv[-2]).read())
    if os.path.basename(sys.argv[0]) == 'virt-sysprep' and os.environ.get('FAKE_SYSPREP_FAILS'):
        sys.stderr.write('virt-sysprep: error: no operating systems were found in the guest image\\n')
        sys.exit(1)
''')


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """qemu-img and virt-sysprep stand-ins on PATH, run by the real AnsibleModule.run_command; returns their log."""
    put_on_path(monkeypatch, tmp_path / 'bin', TOOLS, 'qemu-img', 'virt-sysprep')
    log = tmp_path / 'tools.log'
    monkeypatch.setenv('FAKE_TOOLS_LOG', str(log))
    info = tmp_path / 'qemu-img-info.json'
    info.write_text(read_fixture('qemu-img', 'info-import-cloud-bookworm.json'))
    monkeypatch.setenv('FAKE_QEMU_IMG_INFO', str(info))
    monkeypatch.delenv('LIBGUESTFS_BACKEND', raising=False)
    return lambda: [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_main_imports_a_sealed_file_and_returns_every_key(tmp_path, monkeypatch, capsys, tools):
    cloud = tmp_path / 'cloud.qcow2'
    cloud.write_text('cloud')
    directory = tmp_path / 'templates'
    rc, out, fake = run_main(monkeypatch, capsys, Conn(), dict(
        name='debian-13', dir=str(directory), source=dict(type='file', path=str(cloud)), seal=True,
        seal_operations=['machine-id'], seal_environment={'LIBGUESTFS_BACKEND': 'direct'}, memory_mib=512))
    assert rc == 0, out
    image = str(directory / 'debian-13.qcow2')
    # AnsibleModule.exit_json adds the file attributes of a returned `path` (owner, mode, ...).
    path_info = ('gid', 'group', 'mode', 'owner', 'size', 'state', 'uid')
    assert dict((key, out[key]) for key in out if key not in ('invocation',) + path_info) == {
        'changed': True, 'path': image, 'definition_path': str(directory / 'debian-13.json'),
        'definition': {'name': 'debian-13', 'vcpus': 1, 'memory_mib': 512, 'machine': None,
                       'made_from': 'file %s' % cloud, 'sealed': ['machine-id']},
        'method': 'convert', 'removed_guest': None, 'kept_disks': []}  # no diff without --diff
    assert (out['mode'], out['state'], out['uid'], out['gid']) == ('0444', 'file', 0, 0)
    assert tools() == [
        {'argv': ['qemu-img', 'info', '--force-share', '--output=json', str(cloud)], 'backend': None},
        {'argv': ['qemu-img', 'convert', '-f', 'qcow2', '-O', 'qcow2', str(cloud), image + '.part'], 'backend': None},
        {'argv': ['virt-sysprep', '--quiet', '-a', image + '.part', '--operations', 'machine-id'], 'backend': 'direct'}]
    assert open(image).read() == 'qcow2 of cloud' and mode(image) == 0o444
    assert fake.opened == ['qemu:///system']


def test_main_fails_with_virt_sysprep_s_error(tmp_path, monkeypatch, capsys, tools):
    cloud = tmp_path / 'cloud.qcow2'
    cloud.write_text('cloud')
    monkeypatch.setenv('FAKE_SYSPREP_FAILS', '1')
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(), dict(
        name='debian-13', dir=str(tmp_path / 'templates'), source=dict(type='file', path=str(cloud)), seal=True))
    assert rc == 1 and out['failed'] is True
    assert out['msg'] == ('sealing the copy of %s failed (virt-sysprep, exit 1): virt-sysprep: error: no operating '
                          'systems were found in the guest image' % cloud)
    assert files(tmp_path / 'templates') == []


def test_main_with_diff_and_check_mode(tmp_path, monkeypatch, capsys, tools):
    domain = guest(tmp_path, LAB_VM1)
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(domain), dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='guest', guest='lab-vm1')),
        check_mode=True, diff=True)
    assert rc == 0 and out['changed'] is True and out['method'] == 'convert'
    assert out['diff']['before'] == '' and json.loads(out['diff']['after']) == out['definition']
    assert out['definition']['source_uuid'] == LAB_VM1_UUID
    assert tools() == [] and not os.path.exists(str(tmp_path / 'templates'))


def test_main_refuses_an_imported_file_with_a_backing_file(tmp_path, monkeypatch, capsys, tools):
    linked = import_file(tmp_path, 'linked.qcow2')
    (tmp_path / 'qemu-img-info.json').write_text(image_info(tmp_path, 'backing'))
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(), dict(
        name='debian-13', dir=str(tmp_path / 'templates'), source=dict(type='file', path=str(linked))))
    assert rc == 1 and out['msg'] == ('the image %s refers to another file (cloud.qcow2); a template is imported from '
                                      'a self-contained image only. Nothing was changed.' % linked)
    assert [entry['argv'][:2] for entry in tools()] == [['qemu-img', 'info']]
    assert not os.path.exists(str(tmp_path / 'templates'))


def test_main_imports_a_raw_file_as_raw(tmp_path, monkeypatch, capsys, tools):
    raw = import_file(tmp_path, 'disk.raw', 'raw')
    (tmp_path / 'qemu-img-info.json').write_text(image_info(tmp_path, 'raw'))
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(), dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='file', path=str(raw))))
    assert rc == 0 and out['changed'] is True
    assert tools()[1]['argv'] == ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', str(raw),
                                  str(tmp_path / 'templates' / 'golden.qcow2.part')]


def test_main_with_check_mode_of_a_conversion(tmp_path, monkeypatch, capsys, tools):
    domain = guest(tmp_path, CLONE)
    conn = Conn(domain)
    rc, out, _fake = run_main(monkeypatch, capsys, conn, dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='guest', guest='clone', keep_guest=False)),
        check_mode=True)
    assert rc == 0 and out['changed'] is True and out['removed_guest'] == 'clone'
    assert out['kept_disks'] == [str(tmp_path / 'images' / 'clone-scratch.qcow2')]
    assert tools() == [] and domain.undefined is None and conn.domains == {'clone': domain}
    assert files(tmp_path / 'images') == ['clone-root.qcow2', 'clone-scratch.qcow2']


def test_main_refuses_a_source_template_that_is_a_path(tmp_path, monkeypatch, capsys):
    rc, out, fake = run_main(monkeypatch, capsys, Conn(), dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='template', template='../x')))
    assert rc == 1 and out['msg'] == "source.template '../x' is not a template name. Nothing was changed."
    assert fake.opened == []


def test_main_refuses_bad_input_before_connecting(tmp_path, monkeypatch, capsys):
    rc, out, fake = run_main(monkeypatch, capsys, Conn(), dict(
        name='web golden', dir=str(tmp_path / 'templates'), vcpus=0, source=dict(type='file', path='x.qcow2')))
    assert rc == 1 and out['failed'] is True
    assert out['msg'] == ("name 'web golden' may hold letters, digits, '_', '.', '+' and '-' only; "
                          "source.path must be an absolute path, got x.qcow2; vcpus must be at least 1, got 0. "
                          "Nothing was changed.")
    assert fake.opened == []


def test_main_fails_for_a_missing_guest(tmp_path, monkeypatch, capsys):
    conn = Conn()
    rc, out, _fake = run_main(monkeypatch, capsys, conn, dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='guest', guest='nope')))
    assert rc == 1 and out['msg'] == 'guest nope does not exist on this host' and conn.closed is True


def test_main_converting_a_running_guest_fails(tmp_path, monkeypatch, capsys):
    domain = guest(tmp_path, CLONE, active=True)
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(domain), dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='guest', guest='clone', keep_guest=False)))
    assert rc == 1 and 'needs it shut off' in out['msg'] and out['msg'].endswith('Nothing was changed.')
    assert domain.undefined is None and not os.path.exists(str(tmp_path / 'templates'))


def test_main_reports_a_libvirt_error_of_the_undefine(tmp_path, monkeypatch, capsys, tools):
    domain = guest(tmp_path, CLONE, undefine_error="Requested operation is not valid: cannot delete inactive domain "
                                                   "with 1 checkpoints")
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(domain), dict(
        name='golden', dir=str(tmp_path / 'templates'), source=dict(type='guest', guest='clone', keep_guest=False)))
    assert rc == 1 and out['msg'] == ('libvirt: Requested operation is not valid: cannot delete inactive domain with '
                                      '1 checkpoints')
    # The template is made; the guest and its root disk stay until a run finishes the conversion.
    assert files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']
    assert files(tmp_path / 'images') == ['clone-root.qcow2', 'clone-scratch.qcow2']


def test_main_absent(tmp_path, monkeypatch, capsys):
    make_template(tmp_path, 'golden')
    rc, out, _fake = run_main(monkeypatch, capsys, Conn(), dict(name='golden', dir=str(tmp_path / 'templates'),
                                                                state='absent'), diff=True)
    assert rc == 0 and out['changed'] is True and out['definition'] is None and out['method'] is None
    assert json.loads(out['diff']['before'])['name'] == 'golden' and files(tmp_path / 'templates') == []


def test_main_without_the_binding_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kvm_template, 'LIBVIRT_IMPORT_ERROR', 'ImportError: No module named libvirt')
    monkeypatch.setattr(kvm_template, 'libvirt', None)
    rc, out = run_module_main(kvm_template.main, dict(name='golden', dir=str(tmp_path)), capsys)
    assert rc == 1 and 'libvirt (python3-libvirt)' in out['msg']


def test_a_backup_job_whose_statistics_are_gone_is_checked(tmp_path):
    """libvirt-python always sets 'type'; with no completed statistics kept it is VIR_DOMAIN_JOB_NONE (0)."""
    run = Run()
    templates(tmp_path, Conn(guest(tmp_path, LAB_VM1, active=True, stats={'type': 0})), run, source=from_guest('lab-vm1')).present()
    assert [argv[:2] for argv, _env in run.calls] == [['qemu-img', 'check']]


def test_a_backup_with_leaked_clusters_only_is_accepted(tmp_path):
    run = Run(check=(3, '', 'Leaked cluster 5 refcount=1 reference=0'))
    result = templates(tmp_path, Conn(guest(tmp_path, LAB_VM1, active=True, stats={})), run, source=from_guest('lab-vm1')).present()
    assert result['changed'] is True
    assert files(tmp_path / 'templates') == ['golden.json', 'golden.qcow2']


@pytest.mark.parametrize("fixture, refused", [("info-import-vmdk-flat-extent-bookworm.json", "host-secret.txt"),
                                              ("info-import-vmdk-sparse-bookworm.json", None)])
def test_a_vmdk_whose_extent_is_another_file_is_refused(tmp_path, fixture, refused):
    """A vmdk descriptor may name any host file as its extent; qemu-img convert would copy that file into the template."""
    directory = tmp_path / 'import'
    directory.mkdir()
    info = json.loads(read_fixture('qemu-img', fixture))
    image = directory / info['filename']
    image.write_text('vmdk')
    run = Run(images={str(image): json.dumps(info)})
    subject = templates(tmp_path, Conn(), run, source={'type': 'file', 'path': str(image)})
    if refused:
        with pytest.raises(TemplateError) as exc:
            subject.present()
        assert 'refers to another file (%s)' % refused in str(exc.value)
        assert not (tmp_path / 'templates').exists() or files(tmp_path / 'templates') == []
    else:
        assert subject.present()['changed'] is True
        assert run.calls[-1][0][:4] == ['qemu-img', 'convert', '-f', 'vmdk']


def test_a_definition_left_without_its_image_is_made_again(tmp_path):
    """A run cut off after writing the definition, before renaming the image: the next run makes the image."""
    directory = tmp_path / 'templates'
    directory.mkdir()
    (directory / 'golden.json').write_text('{"name": "golden", "vcpus": 1}')
    run = Run()
    result = templates(tmp_path, Conn(guest(tmp_path, LAB_VM1)), run, source=from_guest('lab-vm1')).present()
    assert result['changed'] is True and result['method'] == 'convert'
    assert files(directory) == ['golden.json', 'golden.qcow2']
    assert json.loads((directory / 'golden.json').read_text())['made_from'] == 'guest lab-vm1 (cloned)'
