#!/bin/sh
# Runs inside the VM tree (chroot) after the packages are installed, before the offline
# SELinux labelling. Everything here is about booting under qemu and being reachable by
# Molecule over ssh; nothing the roles configure.
set -eu
cat >/etc/apt/sources.list <<'SRC'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
printf 'labforge-vm\n' >/etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\tlabforge-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >/etc/hosts
printf '/dev/vda\t/\text4\tdefaults,errors=remount-ro\t0\t1\n' >/etc/fstab
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id

# qemu user networking (slirp): the guest is 10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3.
mkdir -p /etc/systemd/network
cat >/etc/systemd/network/10-slirp.network <<'NET'
[Match]
Name=en* eth*

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
DNS=10.0.2.3
NET
printf 'nameserver 10.0.2.3\n' >/etc/resolv.conf
systemctl enable systemd-networkd.service >/dev/null 2>&1
systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1

# The ssh key of the run comes on the kernel command line (labforge.ssh_key=<base64>),
# so one cached image serves every run without carrying a key.
mkdir -p /root/.ssh && chmod 0700 /root/.ssh
cat >/usr/local/sbin/labforge-ssh-key <<'KEY'
#!/bin/sh
set -eu
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    labforge.ssh_key=*) printf '%s\n' "${arg#labforge.ssh_key=}" | base64 -d >/root/.ssh/authorized_keys
                        chmod 0600 /root/.ssh/authorized_keys ;;
  esac
done
KEY
chmod 0755 /usr/local/sbin/labforge-ssh-key
cat >/etc/systemd/system/labforge-ssh-key.service <<'UNIT'
[Unit]
Description=Install the root ssh key given on the kernel command line
Before=ssh.service
ConditionKernelCommandLine=labforge.ssh_key

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/labforge-ssh-key

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable labforge-ssh-key.service >/dev/null 2>&1
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' >/etc/ssh/sshd_config.d/labforge.conf

# SELinux: enforcing with Debian's default (refpolicy) policy; the tree is labelled offline.
printf 'SELINUX=enforcing\nSELINUXTYPE=default\n' >/etc/selinux/config
rm -f /.autorelabel

# Units that only slow a boot under emulation.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
    fstrim.timer man-db.timer systemd-networkd-wait-online.service; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
  >/etc/dpkg/dpkg.cfg.d/01-nodoc
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >/etc/apt/apt.conf.d/01-norecommends
apt-get clean
rm -rf /usr/share/doc/* /usr/share/man/*
