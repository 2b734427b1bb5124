# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A grown volume seen from the compute host: its partition table and the file system on it.

After the volume grew on the controller and the session was rescanned, the disk is larger than
what is on it. This works out, read-only, what can grow (the last partition, then the mounted
ext2/3/4 or xfs file system on it or on the whole disk), and grows it online: sfdisk and partx
for the partition (fdisk and util-linux, in every image), resize2fs or xfs_growfs for the file
system. Plans are made before anything changes, so that check mode predicts what a run does and
an unsupported layout is refused before the rescan.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError, CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import parse_fields

# A partition grows when at least this many bytes follow it: sfdisk ends a grown partition on
# its 1 MiB alignment grain, so a smaller gap is what a grown partition leaves behind (growpart
# uses the same 1 MiB).
PARTITION_GRAIN = 1024 * 1024
# The backup GPT at the end of a disk: its header and 32 sectors of entries.
GPT_BACKUP_SECTORS = 33
# xfs_growfs leaves a last allocation group of fewer than 64 blocks unused (XFS_MIN_AG_BLOCKS).
XFS_MIN_AG_BLOCKS = 64
# resize2fs drops a last block group smaller than its overhead plus 50 blocks.
EXT_TAIL_EXTRA_BLOCKS = 50

EXT_FILE_SYSTEMS = lvm.EXT_FILE_SYSTEMS
GROWABLE = EXT_FILE_SYSTEMS + ("xfs",)


# kpartx -u on a multipath map: attempts, each after udev's queue emptied (Grower.reload_partition_maps).
KPARTX_ATTEMPTS = 3
UDEV_SETTLE_SECONDS = 30


class LayoutError(Exception):
    """What is on the disk cannot be grown by this module; the message says why and what to do."""


def sfdisk_runner(module):
    return CommandRunner(
        module,
        "sfdisk",
        dict(
            json=fmt.fixed("--json"),
            relocate=fmt.fixed("--relocate", "gpt-bak-std"),
            # The disk is in use (a mounted partition): sfdisk must not ask the kernel to re-read
            # the whole table, which it refuses then; partx resizes the one partition instead.
            no_reread=fmt.fixed("--no-reread", "--no-tell-kernel"),
            number=fmt.opt_val("-N"),
            device=fmt.positional(),
        ),
    )


def partx_runner(module):
    return CommandRunner(module, "partx", dict(update=fmt.fixed("--update"), number=fmt.opt_val("--nr"), device=fmt.positional()))


def udevadm_settle_runner(module):
    return CommandRunner(module, "udevadm", dict(settle=fmt.fixed("settle"), timeout=fmt.opt_eq_val("--timeout")))


def kpartx_runner(module):
    # -u reloads the existing partition maps of a dm-multipath map with its table as it is now
    # (a live table swap, also while a partition is mounted); -p keeps the maps' names.
    return CommandRunner(module, "kpartx", dict(update=fmt.fixed("-u"), delimiter=fmt.opt_val("-p"), device=fmt.positional()))


def resize2fs_runner(module):
    return CommandRunner(module, "resize2fs", dict(device=fmt.positional()))


def xfs_info_runner(module):
    return CommandRunner(module, "xfs_info", dict(mountpoint=fmt.positional()))


def xfs_growfs_runner(module):
    return CommandRunner(module, "xfs_growfs", dict(mountpoint=fmt.positional()))


def parse_partition_table(out):
    """`sfdisk --json` -> {label, sector_size, partitions: [{node, number, start, size}]} (sectors)."""
    table = json.loads(out or "{}").get("partitiontable") or {}
    sector_size = int(table.get("sectorsize") or 0)
    if not sector_size:
        raise LayoutError("sfdisk did not report the sector size of the partition table")
    partitions = []
    for part in table.get("partitions") or []:
        node = part["node"]
        digits = len(node) - len(node.rstrip("0123456789"))
        partitions.append(dict(node=node, number=int(node[-digits:]), start=int(part["start"]), size=int(part["size"])))
    return dict(label=table.get("label"), sector_size=sector_size, partitions=partitions)


def ext_geometry(out):
    """`dumpe2fs -h` -> (size in bytes, tail in bytes that resize2fs may leave unused at the end).

    The tail is the most a grown ext file system can stay short of its device: resize2fs drops a
    last group smaller than the group's overhead (superblock and descriptor backups, two bitmaps,
    the inode table) plus 50 blocks.
    """
    fields = parse_fields(out, ":")
    try:
        block_size = int(fields["Block size"])
        blocks = int(fields["Block count"])
        per_group = int(fields["Blocks per group"])
        inode_table = -(-int(fields["Inodes per group"]) * int(fields["Inode size"]) // block_size)
        reserved_gdt = int(fields.get("Reserved GDT blocks", 0))
        descriptor = int(fields.get("Group descriptor size", 32))
    except (KeyError, ValueError):
        raise LayoutError("dumpe2fs -h printed no block count, block size and group geometry")
    groups = -(-blocks // per_group)
    descriptors = -(-groups * descriptor // block_size)
    overhead = 1 + descriptors + reserved_gdt + 2 + inode_table
    return blocks * block_size, (overhead + EXT_TAIL_EXTRA_BLOCKS) * block_size


def xfs_geometry(out):
    """`xfs_info MOUNTPOINT` -> (data section size in bytes, the tail xfs_growfs may leave)."""
    for line in (out or "").splitlines():
        if line.startswith("data"):
            values = dict(word.split("=", 1) for word in line.replace(",", " ").split() if "=" in word and word != "=")
            try:
                block_size, blocks = int(values["bsize"]), int(values["blocks"])
            except (KeyError, ValueError):
                break
            return blocks * block_size, XFS_MIN_AG_BLOCKS * block_size
    raise LayoutError("xfs_info printed no data section (bsize, blocks)")


def last_partition(table, disk_bytes):
    """The partition that ends last, and the bytes it could grow by on a disk of disk_bytes."""
    part = max(table["partitions"], key=lambda item: item["start"] + item["size"])
    usable = disk_bytes // table["sector_size"]
    if table["label"] == "gpt":
        usable -= GPT_BACKUP_SECTORS
    room = (usable - part["start"] - part["size"]) * table["sector_size"]
    return part, max(room, 0)


class Plan:
    """What a run does to the disk `name`, worked out read-only: rescan, partition, file system.

    view is iscsiadm.HostView (or a test's fake), reads(kind, argument) runs a read-only command
    ('sfdisk', disk device) / ('dumpe2fs', device) / ('xfs_info', mount point) and returns its
    output.
    """

    def __init__(self, name, disk_before, disk_after, multipath=None):
        self.name = name
        self.disk_before = disk_before
        self.disk_after = disk_after
        # With multipath, `name` is the map (dm-N) and rescan means resizing it; each path disk
        # that does not show the new size yet is rescanned first.
        self.rescan = disk_after != disk_before
        self.multipath = multipath  # {name, wwid, paths: [{device, session, size}]}
        self.partition = None  # {node, number, label, grow, size_before, size_after}
        self.filesystem = None  # {type, device, mountpoint, size_before, size_after, grow}

    def paths_to_rescan(self):
        return [path for path in self.multipath["paths"] if path["size"] != self.disk_after] if self.multipath else []

    def actions(self):
        actions = ["rescan path %s" % path["device"] for path in self.paths_to_rescan()]
        if self.rescan and self.multipath:
            actions.append("resize map %s (%d -> %d bytes)" % (self.multipath["name"], self.disk_before, self.disk_after))
        elif self.rescan:
            actions.append("rescan (disk %d -> %d bytes)" % (self.disk_before, self.disk_after))
        if self.partition and self.partition["grow"]:
            if self.partition["label"] == "gpt":
                actions.append("move the backup GPT to the end of /dev/%s" % self.name)
            actions.append("grow partition %s" % self.partition["node"])
        if self.filesystem and self.filesystem["grow"]:
            actions.append("grow %s file system on %s" % (self.filesystem["type"], self.filesystem["device"]))
        return actions

    def plan_filesystem(self, view, reads):
        """Find the file system to grow and whether it needs to; LayoutError when it cannot."""
        device, device_after = "/dev/%s" % self.name, self.disk_after
        # A map's partitions are kpartx's device-mapper maps, not partitions of its own in sysfs.
        map_partitions = (self.multipath or {}).get("partitions") or {}
        partitions = map_partitions or view.partitions(self.name)
        if partitions:
            table = parse_partition_table(reads("sfdisk", device))
            if table["label"] not in ("dos", "gpt"):
                raise LayoutError("/dev/%s has a %s partition table: only dos and gpt partitions are grown" % (self.name, table["label"]))
            part, room = last_partition(table, self.disk_after)
            node = part["node"]
            if map_partitions:
                if part["number"] not in map_partitions:
                    raise LayoutError("kpartx maps no partition %d of the multipath map %s (it maps %s): run kpartx -a on the map"
                                      % (part["number"], self.multipath["name"], ", ".join(str(n) for n in sorted(map_partitions))))
                node = "/dev/%s" % map_partitions[part["number"]]["dm"]
            grow = room >= PARTITION_GRAIN
            size_before = part["size"] * table["sector_size"]
            self.partition = dict(node=node, number=part["number"], label=table["label"], grow=grow,
                                  size_before=size_before, size_after=size_before + (room if grow else 0))
            device, device_after = node, self.partition["size_after"]
        mounted = [entry for entry in view.file_systems() if entry[0] == device]
        if not mounted:
            raise LayoutError(
                "%s is not mounted: grow_filesystem grows a mounted file system online (mount it, or grow it "
                "yourself offline)%s" % (device, ", and only the last partition of the disk" if partitions else ""))
        _source, mountpoint, fs_type = mounted[0]
        if fs_type not in GROWABLE:
            raise LayoutError("%s holds a %s file system (mounted at %s): grow_filesystem grows ext2, ext3, ext4 and "
                              "xfs only; grow it yourself" % (device, fs_type, mountpoint))
        if fs_type == "xfs":
            size, tail = xfs_geometry(reads("xfs_info", mountpoint))
        else:
            size, tail = ext_geometry(reads("dumpe2fs", device))
        grow = device_after - size > tail
        # After a growth the file system fills its device (up to the tail); a real run replaces
        # this prediction with the size it reads back.
        self.filesystem = dict(type=fs_type, device=device, mountpoint=mountpoint, size_before=size,
                               grow=grow, size_after=device_after if grow else size)

    def view(self, side):
        """The diff's before or after (sizes in bytes)."""
        state = dict(disk_size=self.disk_before if side == "before" else self.disk_after)
        if self.multipath:
            state["path_sizes"] = dict((path["device"], path["size"] if side == "before" else self.disk_after)
                                       for path in self.multipath["paths"])
        if self.partition:
            state["partition_size"] = self.partition["size_" + side]
        if self.filesystem:
            state["filesystem_size"] = self.filesystem["size_" + side]
        return state


class Grower:
    """Carries a Plan out: the partition, then the file system; each step's argv is logged."""

    def __init__(self, module):
        self.module = module

    def grow_partition(self, disk, partition, multipath=None):
        """Grow `partition` of `disk` to the disk's end, then have the kernel see its new size:
        partx for a disk's partition, kpartx for a partition of a dm-multipath map (`multipath`,
        whose partitions are always kpartx's maps)."""
        sfdisk = sfdisk_runner(self.module)
        if partition["label"] == "gpt":
            sfdisk.run("relocate no_reread device", relocate=True, no_reread=True, device=disk)
        # ", +": keep the start, take every sector up to the end of the disk.
        sfdisk.run("no_reread number device", data=", +\n", no_reread=True, number=partition["number"], device=disk)
        if multipath:
            self.reload_partition_maps(multipath, multipath["partitions"][partition["number"]]["delimiter"])
        else:
            partx_runner(self.module).run("update number device", update=True, number=partition["number"], device=disk)

    def reload_partition_maps(self, multipath, delimiter):
        """kpartx -u on the map, once udev is done with it. multipathd's resize and sfdisk's write
        each make udev run kpartx on the map too (its rules), and two kpartx at once fail each
        other's reload ("resume failed"): wait for udev's queue to empty, and try again after a
        failure, since an event can reach the queue only after the wait began."""
        settle, kpartx = udevadm_settle_runner(self.module), kpartx_runner(self.module)
        for attempt in range(1, KPARTX_ATTEMPTS + 1):
            settle.run("settle timeout", settle=True, timeout=UDEV_SETTLE_SECONDS)
            try:
                kpartx.run("update delimiter device", update=True, delimiter=delimiter, device="/dev/mapper/%s" % multipath["name"])
                return
            except CommandError:
                if attempt == KPARTX_ATTEMPTS:
                    raise

    def grow_filesystem(self, filesystem):
        if filesystem["type"] == "xfs":
            xfs_growfs_runner(self.module).run("mountpoint", mountpoint=filesystem["mountpoint"])
        else:
            resize2fs_runner(self.module).run("device", device=filesystem["device"])

    def filesystem_size(self, filesystem):
        if filesystem["type"] == "xfs":
            _rc, out, _err = xfs_info_runner(self.module).run("mountpoint", mountpoint=filesystem["mountpoint"])
            return xfs_geometry(out)[0]
        _rc, out, _err = lvm.dumpe2fs_runner(self.module).run("header device", header=True, device=filesystem["device"])
        return ext_geometry(out)[0]


def reader(module):
    """reads(kind, argument) of Plan.plan_filesystem, through the runners."""
    def reads(kind, argument):
        if kind == "sfdisk":
            return sfdisk_runner(module).run("json device", json=True, device=argument)[1]
        if kind == "xfs_info":
            return xfs_info_runner(module).run("mountpoint", mountpoint=argument)[1]
        return lvm.dumpe2fs_runner(module).run("header device", header=True, device=argument)[1]
    return reads
