# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LVM snapshot a backup reads from: its size, making it, watching its fill level while data
is read (growing it when asked), removing it, and the leftover snapshot of a killed run, which
is swept under the volume's backups lock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blockdev
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError

# Our snapshot of volume X is X-nvbk, tagged, so a leftover of a killed run is recognisably ours.
SNAPSHOT_SUFFIX = "-nvbk"
SNAPSHOT_TAG = lvm.BACKUP_SNAPSHOT_TAG


class BackupSnapshot:
    """The snapshot of one volume for one backup. `created` says whether `remove()` has anything
    to remove; `max_percent`, `grown_to` and `filled` are what the watch saw."""

    def __init__(self, module, vg, lv, options):
        self.module, self.vg, self.lv, self.options = module, vg, lv, options
        self.name = lv["name"] + SNAPSHOT_SUFFIX
        self.lv_path = "%s/%s" % (vg["name"], self.name)
        self.device = "/dev/%s/%s" % (vg["name"], self.name)
        self.created = False
        self.max_percent = 0.0
        self.grown_to = None
        self.filled = False

    def size(self):
        size = self.options.get("snapshot_size") or self.lv["size"]
        return lvm.round_up_to_extent(size, self.vg.get("extent_size"))

    def check_free_space(self, size):
        if (self.vg.get("free") or 0) < size:
            raise BackupError(
                "not enough free space in volume group %s for a %s snapshot of %s: it has %s free; "
                "give a smaller snapshot_size or free space in the volume group"
                % (self.vg["name"], backup_common.human_size(size), self.lv["name"],
                   backup_common.human_size(self.vg.get("free"))))

    def create(self, size):
        try:
            lvm.lvcreate_runner(self.module).run(
                "yes snapshot size_bytes name tags vg", yes=True, snapshot=True, size_bytes=size,
                name=self.name, tags=[SNAPSHOT_TAG], vg="%s/%s" % (self.vg["name"], self.lv["name"]))
        except backup_common.Terminated:
            # Stopped while lvcreate ran: lvcreate goes on by itself and may still make the
            # snapshot. lvs waits for it (the volume group's lock); the clean-up removes it then.
            self.created = self.exists()
            raise
        self.created = True

    def exists(self):
        rc, out, _err = lvm.lvs_runner(self.module).run("json bytes fields vg", check=False, json=True, bytes=True,
                                                        fields=lvm.LV_FIELDS, vg=self.lv_path)
        return rc == 0 and bool(lvm.parse_lvs(out))

    def state(self):
        _rc, out, _err = lvm.lvs_runner(self.module).run("json bytes fields vg", json=True, bytes=True,
                                                         fields=lvm.LV_FIELDS, vg=self.lv_path)
        rows = lvm.parse_lvs(out)
        if not rows:
            raise BackupError("the snapshot %s disappeared during the backup" % self.lv_path)
        return rows[0]

    def watch(self):
        """Called while data is read: fail when the snapshot filled up, grow it before that if asked."""
        state = self.state()
        percent = float(state.get("snap_percent") or 0.0)
        self.max_percent = max(self.max_percent, percent)
        if state["snapshot_invalid"] or percent >= 100.0:
            self.filled = True
            raise BackupError(
                "the snapshot %s filled up during the backup (too many writes to %s): the archive was "
                "discarded; give a larger snapshot_size or set grow_snapshot_at" % (self.lv_path, self.lv["name"]))
        grow_at = self.options.get("grow_snapshot_at")
        if grow_at and percent >= grow_at:
            self.grow(state["size"])

    def grow(self, current):
        vg = lvm.read_vg(self.module, self.vg["name"]) or {}
        step = min(current, self.lv["size"])
        new_size = lvm.round_up_to_extent(current + step, vg.get("extent_size"))
        if (vg.get("free") or 0) < new_size - current:
            self.module.warn("snapshot %s is %.0f%% full but the VG lacks %s to grow it"
                             % (self.lv_path, self.max_percent, backup_common.human_size(new_size - current)))
            return
        lvm.lvresize_runner(self.module, "lvextend").run("size_bytes lv", size_bytes=new_size, lv=self.lv_path)
        self.grown_to = new_size

    def filled_up(self):
        """Whether the snapshot is full now (a snapshot that fills up turns unreadable: blkid finds
        nothing, mount or tar get I/O errors); False when that cannot be read."""
        try:
            state = self.state()
        except (CommandError, BackupError):
            return False
        return bool(state["snapshot_invalid"] or float(state.get("snap_percent") or 0.0) >= 100.0)

    def remove(self):
        """-> list of what is left."""
        if not self.created:
            return []
        try:
            lvm.lvremove_runner(self.module).run("force lv", force=True, lv=self.lv_path)
        except CommandError as error:
            return ["snapshot %s: %s" % (self.lv_path, error)]
        return []


def volumes_to_back_up(lvs, volume=None):
    """Plain volumes (and origins), never snapshots (a user's thin ones included) or pools; one by
    name, or all."""
    candidates = [lv for lv in lvs if lvm.is_volume(lv) and not lv["name"].endswith(SNAPSHOT_SUFFIX)]
    if volume is None:
        return sorted(candidates, key=lambda lv: lv["name"])
    return [lv for lv in candidates if lv["name"] == volume]


def stale_snapshots(lvs, volumes):
    names = set(lv["name"] + SNAPSHOT_SUFFIX for lv in volumes)
    return [lv for lv in lvs if lv["name"] in names and SNAPSHOT_TAG in lv["tags"]]


def sweep_stale_snapshot(module, options, vg, lv, lvs, check_mode):
    """Remove the backup snapshot an earlier run of this volume left (under the volume's backups
    lock: a run still going holds it, so what is found here is truly left over). -> (removed, vg)."""
    if not stale_snapshots(lvs, [lv]):
        return False, vg
    # read again under the lock: the run that made it may have finished and removed it meanwhile
    stale = stale_snapshots(lvm.read_lvs(module, options["vg"]), [lv])
    if not stale:
        return False, vg
    if stale[0]["open"]:
        raise BackupError("a backup snapshot %s/%s of an earlier run is still in use (mounted or mapped): "
                          "unmount it, `kpartx -d -p %s` it and lvremove it"
                          % (options["vg"], stale[0]["name"], blockdev.BACKUP_DELIMITER))
    if check_mode:
        return False, vg
    lvm.lvremove_runner(module).run("force lv", force=True, lv="%s/%s" % (options["vg"], stale[0]["name"]))
    module.warn("removed the leftover backup snapshot %s/%s of an earlier run" % (options["vg"], stale[0]["name"]))
    return True, lvm.read_vg(module, options["vg"])  # the space it held is free again
