#!/usr/bin/env bash
# Test fixture (prepare.yml): the kernel-boot guest's initramfs, the base image and the OVA, in $1.
# Expects $1/kernel (the kernel package's virtio modules) and $1/qga (qemu-guest-agent, unpacked).
set -euo pipefail
cd "$1"

rm -rf initramfs
mkdir -p initramfs/bin initramfs/sbin initramfs/usr/bin initramfs/usr/sbin initramfs/proc initramfs/sys \
  initramfs/dev initramfs/run initramfs/tmp initramfs/modules
cp /bin/busybox initramfs/bin/busybox

# The modules for the agent's virtio-serial port and the NIC, with what they depend on, in load order.
# Their directory differs between releases (/lib or /usr/lib); trixie compresses them.
tree=$(dirname "$(find kernel -type d -path '*/modules/*/kernel' | head -1)")
order=()
add_module() {
  local name=$1 file dep seen
  for seen in "${order[@]}"; do [[ $seen == "$name" ]] && return 0; done
  file=$(find "$tree" -name "$name.ko*" | head -1)
  [[ -n $file ]] || return 0  # built into the kernel
  for dep in $(modinfo -F depends "$file" | tr ',' ' '); do add_module "$dep"; done
  order+=("$name")
  case $file in
    *.xz) xz -dc "$file" ;;
    *.zst) zstd -qdc "$file" ;;
    *) cat "$file" ;;
  esac >"initramfs/modules/$name.ko"
}
for name in virtio_pci virtio_console virtio_net; do add_module "$name"; done
printf '%s\n' "${order[@]}" >initramfs/modules/order

# qemu-ga and the shared libraries it loads, at the paths the loader looks for them.
cp qga/usr/sbin/qemu-ga initramfs/usr/sbin/qemu-ga
for lib in $(ldd qga/usr/sbin/qemu-ga | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  cp -L --parents "$lib" initramfs/
done

# qemu-ga's guest-shutdown runs /sbin/shutdown -h -P +0 <message>; busybox has no shutdown applet.
cat >initramfs/sbin/shutdown <<'SHUTDOWN'
#!/bin/sh
echo "labforge-guest: shutdown $*" >/dev/console  # qemu-ga does not pass its console on
sync
exec poweroff -f
SHUTDOWN
chmod 755 initramfs/sbin/shutdown

cat >initramfs/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
echo "labforge-guest: initramfs up, kernel $(uname -r)"
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for name in $(cat /modules/order); do insmod "/modules/$name.ko"; done
ip link set lo up
ip link set eth0 up && ip addr add 192.168.123.50/24 dev eth0
port=
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  port=$(grep -l '^org.qemu.guest_agent.0$' /sys/class/virtio-ports/*/name 2>/dev/null | head -1 | cut -d/ -f5)
  [ -n "$port" ] && [ -e "/dev/$port" ] && break
  sleep 1
done
if [ -n "$port" ]; then
  echo "labforge-guest: qemu-ga on /dev/$port"
  qemu-ga --verbose --method virtio-serial --path "/dev/$port" --statedir /run &
else
  echo "labforge-guest: no guest agent channel"
fi
while true; do sleep 3600; done
INIT
chmod 755 initramfs/init
(cd initramfs && find . | cpio -o -H newc --quiet | gzip -9 >../initrd.img)

# The base image holds a small Debian-like root filesystem with what sealing a template clears
# (machine-id, SSH host keys, logs), so templates made from its clones can be checked for it.
rm -rf rootfs base.raw
mkdir -p rootfs/etc/ssh rootfs/var/log/apt rootfs/usr/bin rootfs/usr/sbin rootfs/var/lib/dpkg rootfs/root
ln -s usr/bin rootfs/bin
ln -s usr/sbin rootfs/sbin
cp /etc/os-release /etc/debian_version rootfs/etc/
echo '/dev/vda / ext4 defaults 0 1' >rootfs/etc/fstab
echo labforge-base >rootfs/etc/hostname
echo 5f0c0ffee5f0c0ffee5f0c0ffee5f0c0 >rootfs/etc/machine-id
echo 'labforge test host key' >rootfs/etc/ssh/ssh_host_ed25519_key
echo 'ssh-ed25519 AAAA labforge-test' >rootfs/etc/ssh/ssh_host_ed25519_key.pub
echo 'labforge test log line' >rootfs/var/log/syslog
echo 'labforge test apt log' >rootfs/var/log/apt/history.log
touch rootfs/var/lib/dpkg/status
truncate -s 128M base.raw
mkfs.ext4 -q -F -L labforge-base -d rootfs base.raw
qemu-img convert -O qcow2 base.raw base.qcow2
rm -rf rootfs base.raw
mkdir -p ova
qemu-img convert -O vmdk base.qcow2 ova/appliance-disk1.vmdk
# The OVF descriptor must be the first member of an OVA.
tar -C ova -cf appliance.ova appliance.ovf appliance-disk1.vmdk
