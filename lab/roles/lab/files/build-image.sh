#!/usr/bin/env bash
# Build the lab's guest root file system image. Part of the image cache key: any change to this
# file (or to the guest files under roles/lab/files/guest/) makes lab_up build a new image.
#
# usage: build-image.sh DEST PACKAGES GUEST_FILES_DIR MODULES_DIR IMAGE_SIZE SUITE SOURCE...
#   DEST            cache folder to create: DEST/root.img, DEST/id_ed25519{,.pub}, DEST/packages
#   PACKAGES        Debian packages to include, comma-separated
#   GUEST_FILES_DIR files copied into the guest (lab-init script and unit, configuration)
#   MODULES_DIR     /usr/lib/uml/modules/<version> of the host's user-mode-linux kernel
#   IMAGE_SIZE      size of the ext4 image, e.g. 2G (the file is sparse)
#   SUITE           Debian suite, e.g. bookworm
#   SOURCE...       apt sources, one argument each in one-line format
#                   ("deb http://deb.debian.org/debian bookworm main"); kept in the image
# The result appears atomically: everything is built in DEST.tmp.* and renamed at the end, and
# two labs that want the same image at once build it only once (a lock on DEST.lock).
set -euo pipefail
dest=$1 packages=$2 guest=$3 modules=$4 size=$5 suite=$6
shift 6

mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [[ -f "$dest/root.img" ]]; then
  exit 0
fi

work=$(mktemp -d "${dest}.tmp.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
root="$work/rootfs"

mmdebstrap --quiet --mode=root --variant=minbase \
  --include="$packages" \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --skip=cleanup/apt/lists \
  "$suite" "$root" "$@" </dev/null

# Kernel modules of the UML kernel (dm-mod, target_core_mod, iscsi_tcp, ...).
kver=$(basename "$modules")
mkdir -p "$root/lib/modules"
cp -a "$modules" "$root/lib/modules/$kver"
chroot "$root" depmod -a "$kver"

# Guest files: per-boot identity from the kernel command line, module list, sshd settings.
install -m 0755 "$guest/lab-init" "$root/usr/local/sbin/lab-init"
install -m 0644 "$guest/lab-init.service" "$root/etc/systemd/system/lab-init.service"
install -m 0644 "$guest/modules-load.conf" "$root/etc/modules-load.d/novavolume-lab.conf"
install -m 0644 "$guest/sshd.conf" "$root/etc/ssh/sshd_config.d/novavolume-lab.conf"
install -m 0644 "$guest/journald.conf" -D "$root/etc/systemd/journald.conf.d/novavolume-lab.conf"
chroot "$root" systemctl enable lab-init.service
# Units that would only slow the boot down, fail without a network or hold the dpkg lock.
chroot "$root" systemctl mask \
  getty@.service serial-getty@.service console-getty.service getty-static.service \
  apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
  dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
  systemd-networkd-wait-online.service \
  modprobe@drm.service modprobe@efi_pstore.service modprobe@fuse.service systemd-pstore.service \
  sys-fs-fuse-connections.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
  proc-sys-fs-binfmt_misc.automount systemd-binfmt.service >/dev/null 2>&1
# tgtd would hold 0.0.0.0:3260 from boot on, and LIO (the default target) could then not listen
# ("kernel_bind() failed: -98"). A role that wants tgt enables and starts it.
chroot "$root" systemctl disable tgt.service >/dev/null 2>&1
# LIO keeps persistent reservations and ALUA state in /etc/target (its db_root).
mkdir -p "$root/etc/target"
# apt's binary cache, so that the first package check in a guest does not rebuild it (10 s in UML).
chroot "$root" apt-cache gencaches >/dev/null

# Identity that must differ between hosts is made on first boot, never stored in the image.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/etc/iscsi/initiatorname.iscsi"
printf '' >"$root/etc/hostname"
cat >"$root/etc/fstab" <<'FSTAB'
/dev/ubda / ext4 rw,noatime 0 0
FSTAB

# Root logs in with the lab key only.
ssh-keygen -q -t ed25519 -N '' -C novavolume-lab -f "$work/id_ed25519"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$work/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
# Root's Ansible remote_tmp, as on a host Ansible has managed before: without it the first
# module that needs a temporary file there makes it and warns about it (in the demo's output).
install -d -m 0700 "$root/root/.ansible" "$root/root/.ansible/tmp"

mkfs.ext4 -q -L lab-root -E lazy_itable_init=0,lazy_journal_init=0 -d "$root" "$work/root.img" "$size"
chmod 0444 "$work/root.img"
tr ',' '\n' <<<"$packages" >"$work/packages"
rm -rf "$root"
# Publish atomically; a concurrent builder of the same key may have won the race.
if ! mv -T "$work" "$dest" 2>/dev/null; then
  [[ -f "$dest/root.img" ]] || { echo "cannot publish $dest" >&2; exit 1; }
fi
trap - EXIT
rm -rf "$work"
