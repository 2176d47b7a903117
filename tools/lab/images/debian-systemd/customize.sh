#!/bin/sh
# Runs inside the debootstrapped tree (chroot) before it is imported.
# Usage: customize.sh SUITE   (trixie, bookworm)
set -eu
suite=$1
rm -f /etc/apt/sources.list
cat >/etc/apt/sources.list.d/debian.sources <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# Units that make no sense in a container and slow boot or fail.
for unit in getty.target console-getty.service systemd-remount-fs.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-firstboot.service \
    sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount \
    systemd-logind.service apt-daily.timer apt-daily-upgrade.timer; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
printf 'lab\n' >/etc/hostname
: >/etc/machine-id
# Keep images small: no docs, no man pages, no apt lists.
printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
  >/etc/dpkg/dpkg.cfg.d/01-nodoc
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >/etc/apt/apt.conf.d/01-norecommends
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*
