# -*- coding: utf-8 -*-
# Copyright (c) labforge.virt developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Probe whether a directory's filesystem accepts O_DIRECT (private to labforge.virt).

The probe is what a database does: create a file, open it with
O_RDWR|O_CREAT|O_DIRECT, write one block from a page-aligned buffer, fsync,
read it back. The file is a fresh mkstemp() name and is always removed.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import mmap
import os
import re
import tempfile

DEFAULT_BLOCK_SIZE = 4096
PROBE_PREFIX = '.labforge-direct-io-probe.'
_OCTAL_ESCAPE = re.compile(r'\\([0-7]{3})')


class ProbeError(Exception):
    """The probe could not run at all (as opposed to O_DIRECT being refused)."""


def unescape(field):
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text):
    """Parse /proc/<pid>/mountinfo (see proc(5)) into a list of dicts, in file order."""
    mounts = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split(' ')
        try:
            sep = fields.index('-', 6)
        except ValueError:
            continue  # malformed line
        if len(fields) < sep + 3:
            continue
        mounts.append({
            'mount_id': int(fields[0]),
            'parent_id': int(fields[1]),
            'major_minor': fields[2],
            'root': unescape(fields[3]),
            'mount_point': unescape(fields[4]),
            'mount_options': fields[5],
            'optional_fields': fields[6:sep],
            'fstype': fields[sep + 1],
            'source': unescape(fields[sep + 2]),
            'super_options': fields[sep + 3] if len(fields) > sep + 3 else '',
        })
    return mounts


def read_mountinfo(path='/proc/self/mountinfo'):
    with open(path) as f:
        return parse_mountinfo(f.read())


def _under(path, mount_point):
    if mount_point == '/':
        return path.startswith('/')
    return path == mount_point or path.startswith(mount_point.rstrip('/') + '/')


def find_mount(path, mounts):
    """The mount a (real, absolute) path lives on: longest matching mount point;
    among equal mount points the last one listed (it is mounted over the others)."""
    best = None
    for m in mounts:
        if _under(path, m['mount_point']):
            if best is None or len(m['mount_point']) >= len(best['mount_point']):
                best = m
    return best


def mount_summary(mount):
    """The subset of a mount returned to users."""
    if mount is None:
        return None
    return {
        'type': mount['fstype'],
        'source': mount['source'],
        'mount_point': mount['mount_point'],
        'root': mount['root'],
        'options': mount['mount_options'],
        'super_options': mount['super_options'],
        'mount_id': mount['mount_id'],
        'major_minor': mount['major_minor'],
    }


def _err(e):
    return errno.errorcode.get(e.errno, str(e.errno)), e.strerror or str(e)


def probe_direct_io(directory, block_size=DEFAULT_BLOCK_SIZE):
    """Run the probe in ``directory``.

    Returns a dict: supported (bool), errno (name or None), error (text or
    None), stage (open/write/fsync/read or None), block_size, cleanup_error.
    Raises ProbeError when no temporary file can be created there.
    """
    result = {'supported': False, 'errno': None, 'error': None, 'stage': None,
              'block_size': block_size, 'cleanup_error': None}
    o_direct = getattr(os, 'O_DIRECT', None)
    if o_direct is None:
        result.update(stage='open', error='this platform has no O_DIRECT flag')
        return result
    try:
        fd0, path = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=directory)
    except (IOError, OSError) as e:
        code, text = _err(e)
        raise ProbeError('cannot create a temporary file in %s: %s (%s)' % (directory, text, code))
    fd = None
    wbuf = rbuf = None
    stage = 'open'
    try:
        os.close(fd0)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | o_direct, 0o600)
            # anonymous mmap memory is page aligned, as O_DIRECT requires
            wbuf = mmap.mmap(-1, block_size)
            pattern = b'labforge.virt O_DIRECT probe\n'
            wbuf.write((pattern * (block_size // len(pattern) + 1))[:block_size])
            stage = 'write'
            written = os.write(fd, wbuf)
            if written != block_size:
                result.update(stage=stage, error='short write: %d of %d bytes' % (written, block_size))
                return result
            stage = 'fsync'
            os.fsync(fd)
            stage = 'read'
            os.lseek(fd, 0, os.SEEK_SET)
            rbuf = mmap.mmap(-1, block_size)
            got = os.readv(fd, [rbuf])
            if got != block_size or rbuf[:] != wbuf[:]:
                result.update(stage=stage, error='read back %d bytes that differ from what was written' % got)
                return result
        except (IOError, OSError) as e:
            code, text = _err(e)
            result.update(stage=stage, errno=code, error=text)
            return result
        result['supported'] = True
        return result
    finally:
        for buf in (wbuf, rbuf):
            if buf is not None:
                buf.close()
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.unlink(path)
        except (IOError, OSError) as e:
            if e.errno != errno.ENOENT:
                result['cleanup_error'] = 'could not remove %s: %s' % (path, e)


def nearest_existing(path):
    """The closest existing ancestor of path (path itself when it exists)."""
    cur = os.path.abspath(path)
    while not os.path.exists(cur):
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    return cur


def backing_mount(path, mounts):
    """(probed, mount) of PATH: probed is the real path of PATH or, before it exists, of its nearest
    existing parent (the filesystem it is or would be created on); mount its mountinfo entry or None."""
    probed = os.path.realpath(nearest_existing(path))
    return probed, find_mount(probed, mounts)


def valid_block_size(n):
    return isinstance(n, int) and 512 <= n <= 1048576 and (n & (n - 1)) == 0


def explain_unsupported(path, probe, mount):
    """A message a person can act on, with the Db2/Oracle background."""
    where = path
    if mount:
        where = '%s (%s on %s, mounted at %s)' % (path, mount['type'], mount['source'], mount['mount_point'])
    if probe['errno']:
        how = '%s failed with %s (%s)' % (
            {'open': 'open(O_RDWR|O_CREAT|O_DIRECT)', 'write': 'an aligned O_DIRECT write',
             'fsync': 'fsync after an O_DIRECT write', 'read': 'an aligned O_DIRECT read'}.get(probe['stage'], probe['stage']),
            probe['errno'], probe['error'])
    else:
        how = probe['error']
    return (
        'The filesystem of %s does not support O_DIRECT: %s. '
        'Db2 and Oracle open their data and log files with O_DIRECT and fail to create or start a '
        'database where it is refused (Db2 logs: open(..., O_RDWR|O_DSYNC|O_DIRECT) = -1 EINVAL). '
        'This is how Docker\'s old aufs storage driver cost operators days: the database only ran once '
        'its files moved to a bind-mounted host ext4 directory. Put the data on a filesystem that accepts '
        'O_DIRECT (ext4 or xfs; overlay2 on ext4/xfs passes it through; tmpfs only on Linux 6.6 or newer), '
        'for a container by bind-mounting a host directory or using a volume there.' % (where, how)
    )
