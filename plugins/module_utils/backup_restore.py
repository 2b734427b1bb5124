# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore an archive written by volume_backup into a volume.

The manifest beside the archive records the layout of the backed-up volume: the partition table
(`sfdisk --dump` of the snapshot, or none when the file system used the whole volume) and per
partition the file system type, label and UUID. A restore recreates that layout on the target
volume (sfdisk, then kpartx with a delimiter of our own), makes each archived file system anew
(same type and label; same UUID unless told otherwise, so the instance's fstab still matches),
mounts it, extracts the archive's `part<N>` (or `volume`) folder into it, unmounts and removes
the maps. Partitions that were not archived (swap, unknown) are recreated in the table only.

From a restic repository (format repository, see backup_repository): a snapshot of content
files is restored the same way, with its layout.json as the layout and `restic restore
--include` in place of tar; a snapshot of content image is streamed with `restic dump` onto the
volume's block device, partition table and all.

A finished restore tags the volume `novavolume.restored=<checksum or snapshot id>`: running the
same restore again changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blockdev
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import tar
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError

RESTORED_TAG = "novavolume.restored="


def verify_archive(archive):
    """Read the manifest, check the checksum file agrees with it, hash the archive.

    -> manifest. Raises BackupError saying what does not match.
    """
    if not os.path.isfile(archive):
        raise BackupError("archive %s does not exist" % archive)
    manifest = backup_archive.read_manifest(backup_archive.manifest_path_for(archive))
    if manifest.get("archive") != os.path.basename(archive):
        raise BackupError("the manifest beside %s describes another archive (%s)" % (archive, manifest.get("archive")))
    algorithm = manifest.get("checksum_algorithm")
    if algorithm not in backup_archive.CHECKSUM_ALGORITHMS:
        raise BackupError("the manifest of %s names an unknown checksum algorithm %r" % (archive, algorithm))
    checksum_file = os.path.join(os.path.dirname(archive), manifest.get("checksum_file") or "")
    try:
        with open(checksum_file) as handle:
            digest, name = backup_archive.parse_checksum_file(handle.read())
    except OSError as error:
        raise BackupError("cannot read the checksum file of %s: %s" % (archive, error))
    if digest != manifest.get("checksum") or name != os.path.basename(archive):
        raise BackupError("the checksum file %s and the manifest of %s disagree" % (checksum_file, archive))
    check_layout(manifest, archive)
    actual = backup_archive.hash_file(archive, algorithm)
    if actual != digest:
        raise BackupError("checksum mismatch for %s: %s %s expected, %s found; the archive is damaged"
                          % (archive, algorithm, digest, actual))
    return manifest


def repository_manifest(module, options):
    """The snapshot to restore (latest of source_volume, or the one given), described as an
    archive's manifest is: volume, origin_size, layout (files), checksum = the snapshot's id.
    Raises BackupError when there is none or it is not one volume_backup made."""
    repository, password_file = options["repository"], options["password_file"]
    snapshots = backup_repository.list_snapshots(module, repository, password_file, options["source_volume"])
    chosen = backup_repository.select_snapshot(snapshots, options["source_volume"], options["snapshot"])
    what = "snapshot %s" % chosen["short_id"]
    if not chosen["size"]:
        raise BackupError("%s has no size tag: not one volume_backup made; nothing was changed" % what)
    manifest = dict(volume=chosen["volume"], origin_size=chosen["size"], checksum=chosen["id"],
                    started_at=backup_repository.time_of(chosen), content=chosen["content"])
    if chosen["content"] == "files":
        document = backup_repository.read_layout(module, repository, password_file, chosen["id"])
        manifest["layout"] = document.get("layout")
        check_layout(manifest, what)
    return manifest


def check_layout(manifest, archive):
    """The manifest's layout is used to partition, make file systems, mount and extract: refuse
    anything volume_backup would not have written (a member name that is a path, a file system
    we cannot make, a partition that is not a number, a size that is not one) before any of it
    is used. Raises BackupError."""
    def refuse(what):
        raise BackupError("the manifest of %s is not one volume_backup wrote: %s; nothing was changed" % (archive, what))

    size = manifest.get("origin_size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        refuse("origin_size %r is not a positive number of bytes" % (size,))
    layout = manifest.get("layout")
    if not isinstance(layout, dict):
        refuse("it has no layout")
    table = layout.get("partition_table")
    if table is not None and not isinstance(table, str):
        refuse("its partition table is not an sfdisk dump")
    filesystems = layout.get("filesystems")
    if not isinstance(filesystems, list) or not all(isinstance(fs, dict) for fs in filesystems):
        refuse("its file systems are not a list")
    archived = [fs for fs in filesystems if fs.get("archived")]
    members = [fs.get("member") for fs in archived]
    for fs in archived:
        member = fs.get("member")
        if not isinstance(member, str) or not blockdev.MEMBER_PATTERN.match(member):
            refuse("member %r is not volume or part<N>" % (member,))
        if fs.get("fstype") not in blockdev.SUPPORTED_FILESYSTEMS:
            refuse("member %s has file system %r, not one of %s"
                   % (member, fs.get("fstype"), ", ".join(blockdev.SUPPORTED_FILESYSTEMS)))
        partition = fs.get("partition")
        if table:
            numbered = isinstance(partition, int) and not isinstance(partition, bool)
            if not numbered or member != "part%d" % partition:
                refuse("member %s does not match its partition %r" % (member, partition))
        elif member != blockdev.WHOLE_VOLUME_MEMBER:
            refuse("member %s without a partition table" % member)
    if len(set(members)) != len(members):
        refuse("a member is named twice")
    if not archived:
        refuse("it names no archived file system")


class Restore:
    """Restore one verified archive into `name` (new, or existing and detached with force)."""

    def __init__(self, module, options, manifest):
        self.module, self.options, self.manifest = module, options, manifest
        self.vg_name, self.name = options["vg"], options["name"]
        self.lv = "%s/%s" % (self.vg_name, self.name)
        self.device = "/dev/%s/%s" % (self.vg_name, self.name)
        self.mount_root = os.path.join(options["work_dir"], "restore-" + self.name)
        self.tag = RESTORED_TAG + manifest["checksum"]
        self.restic = None
        if options.get("repository"):
            self.restic = backup_repository.restic_runner(module, options["repository"], options["password_file"])
        self.created = False
        self.maps = blockdev.PartitionMaps(module, self.device, blockdev.RESTORE_DELIMITER)
        self.mounts = blockdev.TemporaryMounts(module, self.mount_root)

    def plan(self, vg, lvs):
        """-> (action, target lv or None): 'done' (already restored), 'create' or 'overwrite'.
        Raises BackupError when the restore must not go ahead."""
        if vg is None:
            raise BackupError("volume group %s does not exist" % self.vg_name)
        needed = self.manifest["origin_size"]
        existing = [lv for lv in lvs if lv["name"] == self.name]
        if existing:
            target = existing[0]
            if self.tag in target["tags"]:
                return "done", target
            if not self.options["force"]:
                raise BackupError("volume %s exists; set force: true to overwrite it with the restore "
                                  "(its current data is destroyed)" % self.name)
            meta = volume_meta.decode(target["tags"])
            if meta.get("attach_status") or meta.get("attached_host"):
                raise BackupError("volume %s is attached or in use (%s); detach it before restoring into it"
                                  % (self.name, meta.get("attached_host")))
            if target["open"]:
                # Detached, yet something on the controller holds it: a mount, a partition map, or
                # a volume group inside it (a guest's LVM) that the controller's LVM found and
                # activated, which an image restore would overwrite under it.
                raise BackupError(
                    "volume %s is not attached but open on the controller (mounted, mapped, or a volume group "
                    "inside it activated here: keep the controller's LVM off the volumes' contents with "
                    "volume_group_lvm_filter); close it before restoring into it; nothing was changed" % self.name)
            if target["is_snapshot"]:
                raise BackupError("%s is a snapshot; restore into a volume" % self.name)
            if target["size"] < needed:
                raise BackupError("volume %s (%s) is smaller than the backed-up volume (%s)"
                                  % (self.name, backup_common.human_size(target["size"]), backup_common.human_size(needed)))
            return "overwrite", target
        size = lvm.round_up_to_extent(max(self.options.get("size") or needed, needed), vg.get("extent_size"))
        if (vg.get("free") or 0) < size:
            raise BackupError("not enough free space in volume group %s for a %s volume: it has %s free"
                              % (self.vg_name, backup_common.human_size(size), backup_common.human_size(vg.get("free"))))
        self.size = size
        return "create", None

    def create_volume(self):
        meta = dict(display_name=self.options.get("display_name") or "restore of %s" % self.manifest["volume"],
                    created_at=backup_common.iso(backup_common.utc_now()))
        try:
            lvm.lvcreate_runner(self.module).run("yes wipe size_bytes name tags vg", yes=True, wipe=True,
                                                 size_bytes=self.size, name=self.name, tags=volume_meta.encode(meta),
                                                 vg=self.vg_name)
        except backup_common.Terminated:
            # Stopped while lvcreate ran: lvcreate goes on by itself and may still make the volume
            # (lvs waits for it, on the volume group's lock); the clean-up removes it then.
            self.created = any(lv["name"] == self.name for lv in lvm.read_lvs(self.module, self.vg_name))
            raise
        self.created = True

    def lay_out(self):
        """Partition table and maps -> list of (filesystem dict, device) to make and fill."""
        layout = self.manifest.get("layout") or {}
        filesystems = [fs for fs in layout.get("filesystems") or [] if fs.get("archived")]
        if not layout.get("partition_table"):
            return [(fs, self.device) for fs in filesystems]
        blockdev.sfdisk_runner(self.module).run(
            "wipe quiet no_reread device", data=blockdev.sanitize_partition_dump(layout["partition_table"]),
            wipe="always", quiet=True, no_reread=True, device=self.device)
        maps = dict((number, name) for name, number in self.maps.add())
        pairs = []
        for fs in filesystems:
            if fs.get("partition") not in maps:
                raise BackupError("partition %s of the backup did not appear after writing the partition table"
                                  % fs.get("partition"))
            pairs.append((fs, "/dev/mapper/" + maps[fs["partition"]]))
        return pairs

    def make_and_fill(self, pairs):
        for fs, device in pairs:
            if fs["fstype"] not in blockdev.SUPPORTED_FILESYSTEMS:
                raise BackupError("cannot recreate a %s file system" % fs["fstype"])
            blockdev.mkfs_runner(self.module, fs["fstype"]).run(
                "force label uuid device", force=True, label=fs.get("label") or None,
                uuid=fs.get("uuid") if self.options["keep_uuids"] else None, device=device)
            self.mounts.mount(fs["member"], fs["fstype"], device)
        if not pairs:
            return
        members = [fs["member"] for fs, _device in pairs]
        if self.restic is not None:
            # only the members the layout names: layout.json and anything else stay out of the volume
            self.restic.run("restore snapshot target include", restore=True, snapshot=self.manifest["checksum"],
                            target=self.mount_root, include=["/" + member for member in members])
            return
        # only the members the layout names: anything else in the archive stays out of the volume
        tar.tar_runner(self.module).run(
            "extract archive decompressor directory keep members", extract=True, archive=self.options["archive"],
            decompressor=backup_archive.decompressor_program(self.module, self.manifest["compression"]),
            directory=self.mount_root, keep=True, members=members)

    def write_image(self):
        """A snapshot of content image: `restic dump` of the image straight onto the volume."""
        argv = backup_repository.dump_argv(self.module.get_bin_path("restic", required=True),
                                           self.options["repository"], self.options["password_file"],
                                           self.manifest["checksum"],
                                           "/" + backup_repository.image_name(self.manifest["volume"]))
        backup_repository.run_streamed(argv, stdout_path=self.device)

    def cleanup(self, failed):
        leftovers = self.mounts.release()
        leftovers.extend(self.maps.remove())
        if failed and self.created:
            try:
                lvm.lvremove_runner(self.module).run("force lv", force=True, lv=self.lv)
            except CommandError as error:
                leftovers.append("new volume %s: %s" % (self.lv, error))
        return leftovers

    def forget_earlier_restores(self, target):
        """Before an overwrite writes anything: drop the volume's "restored from" tags, so that a
        failed overwrite never leaves a tag saying the volume holds an earlier restore intact."""
        old_tags = [tag for tag in target.get("tags", []) if tag.startswith(RESTORED_TAG)]
        if old_tags:
            lvm.lvchange_runner(self.module).run("del_tags lv", del_tags=old_tags, lv=self.lv)

    def run(self, action, target, on_created=None):
        """Restore; `on_created` is called once a new volume exists under its name."""
        failure = None
        try:
            if action == "create":
                self.create_volume()
                if on_created is not None:
                    on_created()
            else:
                self.forget_earlier_restores(target)
            if self.manifest.get("content") == "image":
                self.write_image()
            else:
                self.make_and_fill(self.lay_out())
        except (CommandError, BackupError, OSError) as error:
            failure = error
        finally:
            leftovers = self.cleanup(failed=failure is not None)
        if failure is None and not leftovers:
            # unmounted cleanly, so the data is on the volume: only now mark the restore as done
            lvm.lvchange_runner(self.module).run("add_tags lv", add_tags=[self.tag], lv=self.lv)
            return
        what = str(failure) if failure is not None else "restored, but"
        if failure is not None and action == "overwrite":
            what += " (volume %s was overwritten and is incomplete)" % self.name
        if leftovers:
            what += "; clean-up incomplete: " + "; ".join(leftovers)
        error_class = backup_common.Terminated if isinstance(failure, backup_common.Terminated) else BackupError
        error = error_class("restore of %s into %s failed: %s" % (restored_from(self.options, self.manifest), self.lv, what))
        error.command_error = failure if isinstance(failure, CommandError) else None
        raise error


def restored_from(options, manifest):
    """The archive's path, or `<repository>#<snapshot id>`."""
    if options.get("archive"):
        return options["archive"]
    return "%s#%s" % (options["repository"], manifest["checksum"][:8])


def volume_result(manifest, options, lv_size):
    return dict(name=options["name"], vg=options["vg"], path="/dev/%s/%s" % (options["vg"], options["name"]),
                size=lv_size, restored_from=restored_from(options, manifest), source_volume=manifest["volume"],
                backup_started_at=manifest.get("started_at"), checksum=manifest["checksum"],
                filesystems=[dict((k, fs.get(k)) for k in ("member", "partition", "fstype", "label", "uuid"))
                             for fs in (manifest.get("layout") or {}).get("filesystems") or [] if fs.get("archived")])


def restore(module, options, check_mode=False, new_name=None):
    """Verify, plan and (unless check_mode) restore. -> result dict for exit_json.

    With `new_name` (a function returning the next free name) the restore makes a new volume of
    that name, picked under the volume group's lock of new names, which is held until the volume
    exists: two runs at once never pick the same name, and the restore itself does not hold up
    other new volumes."""
    if options.get("archive"):
        manifest = verify_archive(options["archive"])
    else:
        manifest = repository_manifest(module, options)
    naming = contextlib.ExitStack()
    try:
        with naming:
            if new_name is not None:
                naming.enter_context(locks.held([locks.new_volume_lock(options["vg"])], "volume_restore (a new volume)",
                                                wait=options["lock_timeout"]))
                options = dict(options, name=new_name())
            # The volume restored into is read and written only under its locks: no attach, resize
            # or backup of it runs meanwhile, and two restores into one name cannot both create it.
            names = [locks.volume_lock(options["vg"], options["name"]), locks.backups_lock(options["vg"], options["name"])]
            with locks.held(names, "volume_restore into %s" % options["name"], wait=options["lock_timeout"]):
                vg = lvm.read_vg(module, options["vg"])
                lvs = lvm.read_lvs(module, options["vg"]) if vg is not None else []
                job = Restore(module, options, manifest)
                action, target = job.plan(vg, lvs)
                if new_name is not None and action != "create":
                    raise BackupError("the new volume's name %s is taken" % options["name"])
                size = target["size"] if target else job.size
                result = dict(changed=action != "done", action=action, volume=volume_result(manifest, options, size),
                              diff=dict(before=dict(volume=options["name"], restored=action == "done",
                                                    exists=target is not None),
                                        after=dict(volume=options["name"], restored=True, exists=True)))
                if action != "done" and not check_mode:
                    job.run(action, target, on_created=naming.close)
    except locks.LockTimeout as error:
        raise BackupError(str(error))
    return result
