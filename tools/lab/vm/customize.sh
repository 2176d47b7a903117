#!/bin/sh
# Runs inside the VM tree (chroot) after the packages are installed, before the offline
# SELinux labelling. Everything here is about booting under qemu and being reachable by
# Molecule over ssh; nothing the roles configure.
# Usage: customize.sh SUITE   (trixie, bookworm)
set -eu
suite=$1
cat >/etc/apt/sources.list <<SRC
deb http://deb.debian.org/debian $suite main
deb http://deb.debian.org/debian $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
SRC
printf 'labforge-vm\n' >/etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\tlabforge-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >/etc/hosts
printf '/dev/vda\t/\text4\tdefaults,errors=remount-ro\t0\t1\n' >/etc/fstab
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id

# qemu user networking (slirp) on the first NIC, which create.yml gives the MAC 52:54:00:12:34:56:
# every VM is 10.0.2.15 there, gateway 10.0.2.2, DNS 10.0.2.3 (ssh comes in through a host port).
mkdir -p /etc/systemd/network
cat >/etc/systemd/network/10-slirp.network <<'NET'
[Match]
MACAddress=52:54:00:12:34:56

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
DNS=10.0.2.3
NET
printf 'nameserver 10.0.2.3\n' >/etc/resolv.conf
systemctl enable systemd-networkd.service >/dev/null 2>&1
systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1

# One cached image serves every run and every VM: what differs comes on the kernel command line.
#   labforge.ssh_key=<base64>             root's authorized key for this run
#   labforge.lan=<addr/prefix>@<mac>      address of the NIC with that MAC (the VMs' shared LAN)
#   systemd.hostname=<name>               (systemd's own) the VM's host name
mkdir -p /root/.ssh && chmod 0700 /root/.ssh
cat >/usr/local/sbin/labforge-cmdline <<'KEY'
#!/bin/sh
set -eu
# In /etc, not /run: the file inherits the directory's SELinux label, which networkd may read.
lan_file=/etc/systemd/network/20-labforge-lan.network
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    labforge.ssh_key=*) printf '%s\n' "${arg#labforge.ssh_key=}" | base64 -d >/root/.ssh/authorized_keys
                        chmod 0600 /root/.ssh/authorized_keys ;;
    labforge.lan=*)     lan=${arg#labforge.lan=}
                        printf '[Match]\nMACAddress=%s\n\n[Network]\nAddress=%s\n' "${lan#*@}" "${lan%@*}" >"$lan_file" ;;
  esac
done
[ -n "${lan:-}" ] || rm -f "$lan_file"
KEY
chmod 0755 /usr/local/sbin/labforge-cmdline
cat >/etc/systemd/system/labforge-cmdline.service <<'UNIT'
[Unit]
Description=Apply the labforge settings given on the kernel command line (ssh key, LAN address)
DefaultDependencies=no
After=local-fs.target
Before=systemd-networkd.service ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/labforge-cmdline

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable labforge-cmdline.service >/dev/null 2>&1
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' >/etc/ssh/sshd_config.d/labforge.conf

# The Docker engine and the NFS server are installed but not started at boot: a VM is a fresh host
# until docker_host / nfs_server enable them, and the sVirt scenario does not pay for them under emulation.
systemctl disable docker.service docker.socket containerd.service nfs-server.service >/dev/null 2>&1

# SELinux: enforcing with Debian's default (refpolicy) policy; the tree is labelled offline.
printf 'SELINUX=enforcing\nSELINUXTYPE=default\n' >/etc/selinux/config
rm -f /.autorelabel

# A starved emulated VM (two VMs and the other stages on two cores) needs minutes for what takes
# seconds: systemd's 90 s start timeout failed systemd-networkd that way, and the VM never answered.
mkdir -p /etc/systemd/system.conf.d
printf '[Manager]\nDefaultTimeoutStartSec=600s\n' >/etc/systemd/system.conf.d/10-labforge-slow-boot.conf

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
