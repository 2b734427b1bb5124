# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The block devices of a backup or restore: the command families that read and lay out a
volume (sfdisk, kpartx, dmsetup, mkfs, mount; blkid is module_utils/blkid.py), the partition
maps and read-only mounts they make, and the parsing of their output. Backup and restore both
use these; nothing here knows an archive or a repository."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner

# kpartx names partition maps <device><delimiter><N>; a delimiter of our own keeps our maps apart
# from anybody else's (and lets clean-up find exactly ours).
BACKUP_DELIMITER = "nvbk"
RESTORE_DELIMITER = "nvrs"
# File systems we can mount read-only without replaying a journal, and recreate on restore.
SUPPORTED_FILESYSTEMS = ("ext2", "ext3", "ext4", "xfs")
WHOLE_VOLUME_MEMBER = "volume"


def kpartx_runner(module):
    return CommandRunner(
        module,
        "kpartx",
        dict(
            add=fmt.fixed("-a"),
            delete=fmt.fixed("-d"),
            verbose=fmt.fixed("-v"),
            delimiter=fmt.opt_val("-p"),
            device=fmt.positional(),
        ),
    )


def mount_runner(module):
    return CommandRunner(
        module, "mount", dict(fstype=fmt.opt_val("-t"), options=fmt.opt_val("-o"), device=fmt.positional(),
                              directory=fmt.positional()),
    )


def umount_runner(module):
    return CommandRunner(module, "umount", dict(directory=fmt.positional()))


def dmsetup_runner(module):
    return CommandRunner(module, "dmsetup", dict(remove=fmt.fixed("remove"), retry=fmt.fixed("--retry"),
                                                 name=fmt.positional()))


def sfdisk_runner(module):
    # A partition table written onto an LV: the kernel cannot re-read an LV's table (kpartx maps
    # the partitions instead), so sfdisk is told not to try.
    return CommandRunner(
        module, "sfdisk", dict(dump=fmt.fixed("--dump"), wipe=fmt.opt_val("--wipe"), quiet=fmt.fixed("--quiet"),
                               no_reread=fmt.fixed("--no-reread", "--no-tell-kernel"), device=fmt.positional()),
    )


def mkfs_runner(module, fstype):
    """mkfs.<fstype>, quiet and forced (the device is one this run created or was told to overwrite)."""
    if fstype == "xfs":
        return CommandRunner(module, "mkfs.xfs", dict(
            force=fmt.fixed("-q", "-f"), label=fmt.opt_val("-L"),
            uuid=lambda value: [] if value is None else ["-m", "uuid=%s" % value], device=fmt.positional()))
    return CommandRunner(module, "mkfs." + fstype, dict(
        force=fmt.fixed("-q", "-F"), label=fmt.opt_val("-L"), uuid=fmt.opt_val("-U"), device=fmt.positional()))


def remove_partition_maps(module, device, delimiter, names):
    """kpartx -d with our delimiter; when kpartx reports a map busy, `dmsetup remove --retry`
    each map (udev or blkid may hold one for a moment). -> list of what is left."""
    try:
        kpartx_runner(module).run("delete verbose delimiter device", delete=True, verbose=True,
                                  delimiter=delimiter, device=device)
        return []
    except CommandError as error:
        if "busy" not in (error.err + error.out).lower():
            return ["partition maps %s: %s" % (", ".join(names), error)]
    leftovers = []
    for name in reversed(names):
        rc, _out, err = dmsetup_runner(module).run("remove retry name", check=False, remove=True, retry=True,
                                                   name=name)
        if rc != 0 and os.path.exists("/dev/mapper/" + name):
            leftovers.append("partition map %s: %s" % (name, err.strip()))
    return leftovers


class PartitionMaps:
    """The kpartx maps of one device under one of our delimiters: made by `add()`, removed by
    `remove()`, also when a stop signal came while kpartx was making them (kpartx goes on by
    itself; their names are unknown then, and `kpartx -d` finds them)."""

    def __init__(self, module, device, delimiter):
        self.module, self.device, self.delimiter = module, device, delimiter
        self.names = []  # in partition order
        self.interrupted = False

    def add(self):
        """-> [(map name, partition number)], in partition order."""
        try:
            _rc, out, _err = kpartx_runner(self.module).run(
                "add verbose delimiter device", add=True, verbose=True, delimiter=self.delimiter, device=self.device)
        except backup_common.Terminated:
            self.interrupted = True
            raise
        maps = parse_kpartx_maps(out, self.delimiter)
        self.names = [name for name, _number in maps]
        return maps

    def remove(self):
        """-> list of what is left (nothing to do when `add` never ran)."""
        if not self.names and not self.interrupted:
            return []
        return remove_partition_maps(self.module, self.device, self.delimiter, self.names)


def parse_kpartx_maps(out, delimiter):
    """`kpartx -a -v -p DELIM` output -> [(map name, partition number)], in partition order.

    Lines look like `add map nova--volumes-vol1--nvbknvbk1 (254:5): 0 204800 linear 254:4 2048`.
    """
    maps = []
    for line in (out or "").splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "add" and words[1] == "map":
            name = words[2]
            head, sep, number = name.rpartition(delimiter)
            if sep and head and number.isdigit():
                maps.append((name, int(number)))
    return sorted(maps, key=lambda item: item[1])


def ro_mount_options(fstype):
    """Read-only without touching the snapshot: no journal replay (ext3/4), no log recovery and
    no duplicate-UUID refusal (xfs: the origin with the same UUID may be mounted elsewhere)."""
    if fstype in ("ext3", "ext4"):
        return "ro,noload"
    if fstype == "xfs":
        return "ro,norecovery,nouuid"
    return "ro"


MEMBER_PATTERN = re.compile(r"\A(?:%s|part[1-9][0-9]{0,3})\Z" % WHOLE_VOLUME_MEMBER)
# Tenant file systems are mounted on the controller: nothing on them may run there, act as a
# device node or gain privileges through a setuid bit, whatever the tenant put on the disk.
HARDENED_MOUNT_OPTIONS = "nosuid,nodev,noexec"


class TemporaryMounts:
    """The mounts of one backup or restore, under `root`, removed by `release()`.

    `root` is made (or reset to) mode 0700 before anything is mounted under it: a mounted file
    system's root shows its own permissions, so only the folder above the mount points keeps
    other local users away from tenant data, whatever the permissions of the folders above it.
    Mount points are named after archive members (`volume`, `part<N>`), never anything else.
    """

    def __init__(self, module, root):
        self.module, self.root = module, root
        self.mounted = []  # mount points, in mount order
        self.made = []  # folders made for them

    def mount(self, member, fstype, device, options=None):
        if not MEMBER_PATTERN.match(member or ""):
            raise BackupError("invalid archive member name %r: volume or part<N> expected" % (member,))
        if not os.path.isdir(self.root):
            os.makedirs(self.root, 0o700)
        os.chmod(self.root, 0o700)
        folder = os.path.join(self.root, member)
        if os.path.ismount(folder):
            raise BackupError("%s is already mounted (a run still going, or a leftover): unmount it first" % folder)
        if not os.path.isdir(folder):
            os.mkdir(folder, 0o700)
            self.made.append(folder)
        mount_runner(self.module).run("fstype options device directory", fstype=fstype,
                                      options=",".join(word for word in (options, HARDENED_MOUNT_OPTIONS) if word),
                                      device=device, directory=folder)
        self.mounted.append(folder)
        return folder

    def release(self):
        """Unmount and remove what `mount` made (and `root` when left empty). -> list of what is left."""
        leftovers = []
        for folder in reversed(self.mounted):
            try:
                umount_runner(self.module).run("directory", directory=folder)
            except CommandError as error:
                leftovers.append("mount %s: %s" % (folder, error))
        self.mounted = []
        for folder in reversed(self.made):
            try:
                os.rmdir(folder)
            except OSError:
                pass  # still mounted (reported above) or no longer empty: not ours to remove
        self.made = []
        if os.path.isdir(self.root) and not os.listdir(self.root):
            os.rmdir(self.root)
        return leftovers


def sanitize_partition_dump(dump):
    """An `sfdisk --dump` of the snapshot, made applicable to another device: the `device:` line
    and the old device names before each partition line go; partition order is kept."""
    lines = []
    for line in (dump or "").splitlines():
        if line.startswith("device:"):
            continue
        if line.startswith("/") and " : " in line:
            line = line.split(" : ", 1)[1]
        lines.append(line)
    return "\n".join(lines).strip() + "\n"
