"""Make this checkout importable as ansible_collections.labforge.virt.

The collection is developed in a plain checkout; Python only finds it under its
FQCN when a directory named ansible_collections/labforge/virt points at it.
"""

import fcntl
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "labforge", "virt")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(ROOT, LINK)
    except FileExistsError:  # another worker made it first
        pass
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def kvm_works():
    """True when /dev/kvm answers KVM_GET_API_VERSION with 12.

    The live tests skip on this, probed here independently of the code they test.
    """
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, 0xAE00, 0) == 12  # KVM_GET_API_VERSION
    finally:
        os.close(fd)
