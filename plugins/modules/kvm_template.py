#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: kvm_template
short_description: Make a KVM guest template (a sealed, read-only base image and its definition) from a guest, a template or a file
version_added: 0.2.0
description:
  - A template is a read-only qcow2 image, C(<dir>/<name>.qcow2), with its definition beside it,
    C(<dir>/<name>.json) (CPUs, memory, machine, what it was made from, how it was sealed). Guests are
    made from it as linked clones (the template is their backing file) or full copies.
  - The three ways operators make one. From a guest with O(source.keep_guest=false), the guest is
    I(converted) - its root disk becomes the template and the guest no longer exists (it must be shut
    off). From a guest with O(source.keep_guest=true), the guest is I(cloned) and keeps running - a
    running guest's root disk is copied by a libvirt push backup job, a consistent point-in-time
    copy, a shut-off guest's by C(qemu-img convert). From another template, it is copied. A file
    (qcow2, raw, vmdk, anything C(qemu-img) reads, self-contained) is imported.
  - The source's format is given to C(qemu-img), never probed (the domain's driver type, qcow2 for a
    template, the format C(qemu-img info) reads for a file, which must have no backing or data file).
  - The copy is flattened (no backing file), so a template never depends on the guest or template
    it came from. It is written as C(<name>.qcow2.part), sealed, made read-only (mode C(0444)) and only
    then renamed, so an interrupted run leaves no half-made template, and the next run makes it again.
  - Sealing runs C(virt-sysprep) (libguestfs) on the copy, never on the source; the machine-id is
    emptied, the SSH host keys and the logs removed (O(seal_operations)), so that guests made from the
    template do not share identities.
  - An existing template is never rewritten; a changed O(vcpus) or O(memory_mib) changes its definition
    only. A conversion interrupted after the template was made is finished by the next run (for the guest
    whose UUID the definition records, never for a new guest of the same name).
author:
  - labforge.virt developers (@labforge)
options:
  name:
    description:
      - The template's name (letters, digits, C(_), C(.), C(+) and C(-)).
    type: str
    required: true
  dir:
    description:
      - The directory templates live in.
    type: path
    default: /var/lib/libvirt/templates
  state:
    description:
      - C(present) makes the template when it does not exist. C(absent) removes its image and definition,
        and is refused while a libvirt domain's disk has the image in its backing chain.
    type: str
    choices: [present, absent]
    default: present
  source:
    description:
      - What the template is made from; needed when it does not exist yet.
    type: dict
    suboptions:
      type:
        description:
          - C(guest) (a libvirt domain), C(template) (another template in O(dir)) or C(file) (an image on the host).
        type: str
        choices: [guest, template, file]
        required: true
      guest:
        description:
          - The domain whose first disk (C(device=disk), a file) becomes the template. For O(source.type=guest).
        type: str
      keep_guest:
        description:
          - C(true) clones the guest (it keeps running or stays as it is). C(false) converts it; the domain is
            undefined (its snapshot metadata with it) and its root disk removed once the template is made; its
            other disks are kept and returned in RV(kept_disks).
        type: bool
        default: true
      template:
        description:
          - The template to copy. For O(source.type=template).
        type: str
      path:
        description:
          - The image to import, an absolute path. For O(source.type=file).
        type: path
  seal:
    description:
      - Seal the copy with C(virt-sysprep). Needs libguestfs (C(libguestfs-tools)) and a kernel in C(/boot) on
        the host.
    type: bool
    default: false
  seal_operations:
    description:
      - The C(virt-sysprep --operations) to run.
    type: list
    elements: str
    default: [machine-id, ssh-hostkeys, logfiles, bash-history, tmp-files, net-hwaddr, udev-persistent-net, dhcp-client-state]
  seal_environment:
    description:
      - Environment for C(virt-sysprep), for example C(LIBGUESTFS_BACKEND=direct), or
        C(LIBGUESTFS_BACKEND_SETTINGS=force_tcg) where KVM is not usable.
    type: dict
    default: {}
  vcpus:
    description:
      - CPUs in the definition; by default the source guest's or template's, else 1.
    type: int
  memory_mib:
    description:
      - Memory in MiB in the definition; by default the source guest's or template's, else 1024.
    type: int
  timeout:
    description:
      - Seconds the backup job copying a running guest's disk may take before it is aborted.
    type: int
    default: 3600
extends_documentation_fragment:
  - labforge.virt.attributes
  - labforge.virt.libvirt
attributes:
  check_mode:
    support: full
    details:
      - Reports the template that would be made (its definition, the copy method) and makes nothing.
  diff_mode:
    support: full
    details:
      - The definition before and after.
requirements:
  - C(qemu-img) (qemu-utils) on the managed host; C(virt-sysprep) (libguestfs-tools) when O(seal=true).
seealso:
  - module: labforge.virt.libvirt_domain_define
  - module: labforge.virt.libvirt_domain_shutdown
notes:
  - The role labforge.virt.kvm_guest drives this module from C(kvm_guest_templates), downloads (URL with a
    checksum) and NFS shares included, and makes guests from templates with C(source.type=template).
'''

EXAMPLES = r'''
- name: Clone the running guest web1 to a sealed template
  labforge.virt.kvm_template:
    name: web-golden
    source:
      type: guest
      guest: web1
    seal: true

- name: Convert the shut-off guest build1 into a template (build1 no longer exists afterwards)
  labforge.virt.kvm_template:
    name: build-base
    source:
      type: guest
      guest: build1
      keep_guest: false
    seal: true

- name: A template from a template, with more memory in its definition
  labforge.virt.kvm_template:
    name: web-golden-large
    source:
      type: template
      template: web-golden
    memory_mib: 4096

- name: Import a cloud image
  labforge.virt.kvm_template:
    name: debian-13
    source:
      type: file
      path: /srv/images/debian-13-genericcloud-amd64.qcow2
    vcpus: 2
    memory_mib: 2048
'''

RETURN = r'''
path:
  description: The template image.
  returned: always
  type: str
  sample: /var/lib/libvirt/templates/web-golden.qcow2
definition_path:
  description: The template's definition (JSON).
  returned: always
  type: str
  sample: /var/lib/libvirt/templates/web-golden.json
definition:
  description: The definition as it is (or would be, in check mode); null when the template is absent.
  returned: always
  type: dict
  sample: {"name": "web-golden", "vcpus": 1, "memory_mib": 256, "machine": "pc-q35-10.0",
           "made_from": "guest web1 (cloned while running)", "source_uuid": "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
           "sealed": ["machine-id", "ssh-hostkeys", "logfiles"]}
method:
  description:
    - How the image was copied - C(backup) (a running guest, libvirt push backup) or C(convert) (qemu-img);
      null when nothing was copied.
  returned: always
  type: str
  sample: backup
removed_guest:
  description: The guest a conversion undefined; null otherwise.
  returned: always
  type: str
  sample: build1
kept_disks:
  description: The converted guest's other disks, left on the host.
  returned: always
  type: list
  elements: str
  sample: [/var/lib/libvirt/images/build1-data.qcow2]
'''

import json
import os
import re
import time

from xml.sax.saxutils import escape

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.labforge.virt.plugins.module_utils._libvirt_connection import (
    LIBVIRT_ARGUMENT_SPEC, LIBVIRT_IMPORT_ERROR, libvirt, libvirt_connection)
from ansible_collections.labforge.virt.plugins.module_utils._libvirt_xml import LibvirtXMLError, domain_template_source

NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.+-]*\Z')
POLL_SECONDS = 0.5
DEFAULT_VCPUS = 1
DEFAULT_MEMORY_MIB = 1024
BACKUP_XML = ("<domainbackup mode='push'><disks><disk name='{target}' backup='yes' type='file'>"
              "<driver type='qcow2'/><target file='{path}'/></disk></disks></domainbackup>")


class TemplateError(Exception):
    """A template cannot be made or removed; the message says why and what was left as it was."""


def template_paths(directory, name):
    """(image, definition) of a template."""
    return os.path.join(directory, name + '.qcow2'), os.path.join(directory, name + '.json')


def read_definition(path):
    """The definition in path, or None when there is none."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError):
        return None
    except ValueError as exc:
        raise TemplateError('%s is not a template definition (JSON): %s' % (path, exc))


def write_atomically(path, text, mode):
    """Write text to path through a temporary file, so a reader never sees half of it."""
    part = path + '.part'
    with open(part, 'w') as handle:
        handle.write(text)
    os.chmod(part, mode)
    os.rename(part, path)


def _definition(name, base, made_from, sealed, vcpus, memory_mib):
    """The definition: base (the source's numbers) with the module's vcpus/memory_mib where given."""
    return {
        'name': name,
        'vcpus': vcpus if vcpus is not None else base.get('vcpus', DEFAULT_VCPUS),
        'memory_mib': memory_mib if memory_mib is not None else base.get('memory_mib', DEFAULT_MEMORY_MIB),
        'machine': base.get('machine'),
        'made_from': made_from,
        'sealed': sealed,
    }


class Templates(object):
    """Makes and removes templates in one directory; conn is a libvirt connection, run runs a command (argv)."""

    def __init__(self, params, conn, run, check_mode):
        self.params = params
        self.conn = conn
        self.run = run
        self.check_mode = check_mode
        self.image, self.definition_path = template_paths(params['dir'], params['name'])

    # --- present ---------------------------------------------------------------------------

    def present(self):
        result = dict(changed=False, path=self.image, definition_path=self.definition_path, definition=None,
                      method=None, removed_guest=None, kept_disks=[], diff=dict(before='', after=''))
        existing = read_definition(self.definition_path)
        if existing is not None and os.path.exists(self.image):
            self._keep(existing, result)
        elif os.path.exists(self.image):
            # Guests may be backed by it: an existing image is never replaced.
            raise TemplateError('%s exists without its definition %s; restore the definition, or remove the image if no '
                                'guest is made from it. Nothing was changed.' % (self.image, self.definition_path))
        else:
            self._make(result)
        return result

    def _keep(self, existing, result):
        """The template exists: only its definition's numbers may change; a cut-off conversion is finished."""
        wanted = dict(existing)
        for key in ('vcpus', 'memory_mib'):
            if self.params[key] is not None:
                wanted[key] = self.params[key]
        result['definition'] = wanted
        if wanted != existing:
            result['changed'] = True
            result['diff'] = dict(before=_json(existing), after=_json(wanted), before_header=self.definition_path,
                                  after_header=self.definition_path)
            if not self.check_mode:
                write_atomically(self.definition_path, _json(wanted), 0o644)
        source = self.params['source'] or {}
        if source.get('type') == 'guest' and not source.get('keep_guest', True):
            domain = self._domain(source['guest'], required=False)
            # Only the very guest the template was made from (a new guest may have taken the name since).
            if domain is not None and domain.UUIDString() == existing.get('source_uuid'):
                self._finish_conversion(domain, result)

    def _make(self, result):
        source = self.params['source']
        if not source:
            raise TemplateError('template %s does not exist in %s; give a source to make it from'
                                % (self.params['name'], self.params['dir']))
        kind = source['type']
        domain = None
        # The source's format is always given to qemu-img, never probed: a raw disk whose guest wrote a
        # qcow2 header naming a host file as its backing file would otherwise copy that file.
        if kind == 'guest':
            domain, copy_from, base, made_from, result['method'] = self._guest_source(source)
            source_format = base['format']
        elif kind == 'template':
            copy_from, base, made_from = self._template_source(source['template'])
            source_format, result['method'] = 'qcow2', 'convert'
        else:
            copy_from, base, made_from = self._file_source(source['path'])
            source_format, result['method'] = self._file_format(copy_from), 'convert'
        sealed = list(self.params['seal_operations']) if self.params['seal'] else []
        definition = _definition(self.params['name'], base, made_from, sealed, self.params['vcpus'], self.params['memory_mib'])
        if domain is not None:
            definition['source_uuid'] = domain.UUIDString()
        result.update(changed=True, definition=definition,
                      diff=dict(before='', after=_json(definition), after_header=self.definition_path))
        if self.check_mode:
            if kind == 'guest' and not source['keep_guest']:
                self._finish_conversion(domain, result)  # says what a real run removes; check mode changes nothing
            return
        if not os.path.isdir(self.params['dir']):
            os.makedirs(self.params['dir'], 0o755)
        part = self.image + '.part'
        if os.path.exists(part):
            os.unlink(part)  # what an interrupted run left
        try:
            if result['method'] == 'backup':
                self._backup(domain, base['target'], part)
            else:
                self._command(['qemu-img', 'convert', '-f', source_format, '-O', 'qcow2', copy_from, part],
                              'copying %s' % copy_from)
            if sealed:
                self._command(['virt-sysprep', '--quiet', '-a', part, '--operations', ','.join(sealed)],
                              'sealing the copy of %s' % copy_from, environ=self.params['seal_environment'])
            os.chown(part, 0, 0)
            os.chmod(part, 0o444)
        except Exception:
            if os.path.exists(part):
                os.unlink(part)
            raise
        # The definition first: a run cut off between the two leaves a definition without its image, which
        # the next run makes again; an image without its definition would be refused.
        write_atomically(self.definition_path, _json(definition), 0o644)
        os.rename(part, self.image)
        if kind == 'guest' and not source['keep_guest']:
            self._finish_conversion(domain, result)

    def _guest_source(self, source):
        domain = self._domain(source['guest'], required=True)
        info = domain_template_source(domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        if info['root'] is None:
            raise TemplateError('guest %s has no disk image a template could be made from (a file disk with device="disk")'
                                % source['guest'])
        running = domain.isActive()
        if running and not source['keep_guest']:
            raise TemplateError('guest %s runs; converting it to template %s needs it shut off (cloning it, keep_guest: true, '
                                'copies a running guest). Nothing was changed.' % (source['guest'], self.params['name']))
        if running:
            return domain, info['root'], info, 'guest %s (cloned while running)' % source['guest'], 'backup'
        how = 'cloned' if source['keep_guest'] else 'converted'
        return domain, info['root'], info, 'guest %s (%s)' % (source['guest'], how), 'convert'

    def _template_source(self, name):
        image, definition_path = template_paths(self.params['dir'], name)
        base = read_definition(definition_path)
        if base is None or not os.path.exists(image):
            raise TemplateError('template %s, the source of %s, does not exist in %s' % (name, self.params['name'], self.params['dir']))
        return image, base, 'template %s' % name

    @staticmethod
    def _file_source(path):
        if not os.path.isfile(path):
            raise TemplateError('the image %s does not exist' % path)
        return path, {}, 'file %s' % path

    def _file_format(self, path):
        """The format of an image to import, refused when it refers to other files (a backing or data file)."""
        rc, out, err = self.run(['qemu-img', 'info', '--force-share', '--output=json', path])
        if rc != 0:
            raise TemplateError('cannot read the image %s: %s' % (path, err.strip()))
        try:
            info = json.loads(out)
            fmt = info['format']
        except (ValueError, KeyError):
            raise TemplateError('qemu-img info gave no format for %s: %s' % (path, out.strip()[:200]))
        specific = (info.get('format-specific') or {}).get('data') or {}
        # A backing file, a qcow2 data file, a vmdk extent elsewhere (a descriptor can name /etc/shadow).
        refers = info.get('backing-filename') or specific.get('data-file') or next(
            (extent['filename'] for extent in specific.get('extents', [])
             if os.path.realpath(os.path.join(os.path.dirname(path), extent.get('filename', path))) != os.path.realpath(path)), None)
        if refers:
            raise TemplateError('the image %s refers to another file (%s); a template is imported from a self-contained '
                                'image only. Nothing was changed.' % (path, refers))
        return fmt

    def _domain(self, name, required):
        try:
            return self.conn.lookupByName(name)
        except libvirt.libvirtError:
            if required:
                raise TemplateError('guest %s does not exist on this host' % name)
            return None

    def _backup(self, domain, target, part):
        """Copy a running guest's disk with a libvirt push backup job (a point-in-time copy) and wait for it."""
        domain.backupBegin(BACKUP_XML.format(target=target, path=_xml_attribute(part)), None, 0)
        start = time.monotonic()
        while domain.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
            if time.monotonic() - start > self.params['timeout']:
                domain.abortJob()
                raise TemplateError('the backup job copying %s of %s took more than %d s and was aborted'
                                    % (target, domain.name(), self.params['timeout']))
            time.sleep(POLL_SECONDS)
        stats = domain.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        if stats.get('type', libvirt.VIR_DOMAIN_JOB_NONE) == libvirt.VIR_DOMAIN_JOB_NONE:
            # libvirt kept no statistics of the finished job: the copy must at least be a sound image
            # (qemu-img check exits 3 for leaked clusters only, which lose no data).
            rc, out, err = self.run(['qemu-img', 'check', '-q', part])
            if rc not in (0, 3):
                raise TemplateError('the backup of %s of %s is not a sound image (qemu-img check, exit %d): %s'
                                    % (target, domain.name(), rc, (err or out).strip()))
        elif stats['type'] != libvirt.VIR_DOMAIN_JOB_COMPLETED:
            raise TemplateError('the backup job copying %s of %s failed: %s'
                                % (target, domain.name(), stats.get('errmsg', 'libvirt gave no reason')))

    def _finish_conversion(self, domain, result):
        """The template holds the converted guest's root disk: undefine the guest, remove that disk, keep the others."""
        info = domain_template_source(domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        if domain.isActive():
            raise TemplateError('guest %s runs again; template %s was made from it, but the conversion is not finished '
                                '(the guest is still defined). Shut it off and run again.' % (domain.name(), self.params['name']))
        result.update(changed=True, removed_guest=domain.name(), kept_disks=[path for path in info['disks'] if path != info['root']])
        if self.check_mode:
            return
        domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                             | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
        if info['root'] and os.path.exists(info['root']):
            os.unlink(info['root'])

    # --- absent ----------------------------------------------------------------------------

    def absent(self):
        present = [path for path in (self.image, self.definition_path) if os.path.exists(path)]
        result = dict(changed=bool(present), path=self.image, definition_path=self.definition_path, definition=None,
                      method=None, removed_guest=None, kept_disks=[], diff=dict(before='', after=''))
        if not present:
            return result
        users = self._users()
        if users:
            raise TemplateError('template %s is the backing file of %s; remove those guests (or make them full copies) '
                                'first. Nothing was removed.' % (self.params['name'], ', '.join(users)))
        before = read_definition(self.definition_path)
        result['diff'] = dict(before=_json(before) if before else '', after='', before_header=self.definition_path)
        if not self.check_mode:
            for path in present:
                os.unlink(path)
        return result

    def _users(self):
        """'<domain> (<disk>)' for every disk of every domain whose backing chain holds the image."""
        users = []
        image = os.path.realpath(self.image)
        for domain in self.conn.listAllDomains(0):
            for disk in domain_template_source(domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))['disks']:
                if not os.path.exists(disk):
                    continue
                rc, out, err = self.run(['qemu-img', 'info', '--force-share', '--backing-chain', '--output=json', disk])
                if rc != 0:
                    raise TemplateError('cannot read the backing chain of %s (guest %s): %s' % (disk, domain.name(), err.strip()))
                chain = json.loads(out)
                layers = [layer.get(key) for layer in chain for key in ('filename', 'full-backing-filename', 'backing-filename')]
                if any(path and os.path.realpath(path) == image for path in layers):
                    users.append('%s (%s)' % (domain.name(), disk))
        return users

    def _command(self, argv, doing, environ=None):
        rc, out, err = self.run(argv, environ_update=environ or {})
        if rc != 0:
            raise TemplateError('%s failed (%s, exit %d): %s' % (doing, argv[0], rc, (err or out).strip()))


def _json(value):
    return json.dumps(value, indent=2, sort_keys=True) + '\n'


def _xml_attribute(text):
    """text for an XML attribute in single quotes."""
    return escape(text, {"'": '&apos;'})


def _check_params(params):
    """Input errors, before anything is read or changed."""
    errors = []
    if not NAME_RE.match(params['name']):
        errors.append("name '%s' may hold letters, digits, '_', '.', '+' and '-' only" % params['name'])
    source = params['source']
    if source:
        needed = {'guest': 'guest', 'template': 'template', 'file': 'path'}[source['type']]
        if not source.get(needed):
            errors.append('source.type %s needs source.%s' % (source['type'], needed))
        elif source['type'] == 'template' and not NAME_RE.match(source['template']):
            errors.append("source.template '%s' is not a template name" % source['template'])
        elif source['type'] == 'template' and source['template'] == params['name']:
            errors.append('template %s cannot be made from itself' % params['name'])
        elif source['type'] == 'file' and not os.path.isabs(source['path']):
            errors.append('source.path must be an absolute path, got %s' % source['path'])
    for key, minimum in (('vcpus', 1), ('memory_mib', 16)):
        if params[key] is not None and params[key] < minimum:
            errors.append('%s must be at least %d, got %d' % (key, minimum, params[key]))
    return errors


def main():
    module = AnsibleModule(
        argument_spec=dict(
            LIBVIRT_ARGUMENT_SPEC,
            name=dict(type='str', required=True),
            dir=dict(type='path', default='/var/lib/libvirt/templates'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            source=dict(type='dict', options=dict(
                type=dict(type='str', choices=['guest', 'template', 'file'], required=True),
                guest=dict(type='str'),
                keep_guest=dict(type='bool', default=True),
                template=dict(type='str'),
                path=dict(type='path'),
            )),
            seal=dict(type='bool', default=False),
            seal_operations=dict(type='list', elements='str',
                                 default=['machine-id', 'ssh-hostkeys', 'logfiles', 'bash-history', 'tmp-files', 'net-hwaddr',
                                          'udev-persistent-net', 'dhcp-client-state']),
            seal_environment=dict(type='dict', default={}),
            vcpus=dict(type='int'),
            memory_mib=dict(type='int'),
            timeout=dict(type='int', default=3600),
        ),
        supports_check_mode=True,
    )
    errors = _check_params(module.params)
    if errors:
        module.fail_json(msg='; '.join(errors) + '. Nothing was changed.')
    with libvirt_connection(module, libvirt, LIBVIRT_IMPORT_ERROR) as conn:
        templates = Templates(module.params, conn, module.run_command, module.check_mode)
        try:
            result = templates.present() if module.params['state'] == 'present' else templates.absent()
        except (TemplateError, LibvirtXMLError, OSError) as exc:
            module.fail_json(msg=to_native(exc))
    if not module._diff:
        result.pop('diff')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
