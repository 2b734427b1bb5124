# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot backups of volumes: the snapshot -> kpartx -> read-only mount -> archive -> clean-up
sequence for one volume, the options, and a run over one or all volumes (locks, retention,
report). The pieces live beside it, one job each: blockdev (block devices, maps, mounts),
backup_snapshot (the snapshot), backup_archive (the archive format), backup_retention,
backup_report, backup_common (errors, signals, times, atomic files).

Everything here needs only an object with `run_command`, `get_bin_path` and `warn` (an
AnsibleModule, or the small shim of the nightly entry script installed by roles/volume_backup),
so the module and the timer run the same code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import files
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_report
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_retention
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_snapshot
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blkid
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blockdev
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import Terminated
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

DEFAULT_EXCLUDES = ("lost+found",)


class VolumeBackup:
    """Back up one volume: snapshot, map, mount read-only, archive, then clean up everything this
    run created, whatever happened. `run()` returns the volume's report entry (status ok), or
    raises BackupError after cleaning up (the entry is in `self.entry`)."""

    def __init__(self, module, options, vg, lv):
        self.module, self.options, self.vg, self.lv = module, options, vg, lv
        self.folder = os.path.join(options["destination"], lv["name"])
        self.mount_root = os.path.join(options["work_dir"], lv["name"])
        # what this run created, undone in reverse by cleanup()
        self.snapshot = backup_snapshot.BackupSnapshot(module, vg, lv, options)
        self.maps = blockdev.PartitionMaps(module, self.snapshot.device, blockdev.BACKUP_DELIMITER)
        self.mounts = blockdev.TemporaryMounts(module, self.mount_root)
        self.files = []  # final files written before the run failed
        self.temp = None
        self.layout_file = None  # layout.json beside the mounts (format repository)
        self.entry = backup_report.failed_entry(lv["name"])

    # the steps -----------------------------------------------------------------------------
    def find_filesystems(self):
        """-> (partition table dump or None, [filesystem dicts with member, device, ...])."""
        device = self.snapshot.device
        # Contradicting signatures describe nothing we could mount: like none, an image in a repository.
        whole, _ambivalent = blkid.probe(self.module, device)
        if whole.get("TYPE") and not whole.get("PTTYPE"):
            return None, [self.describe(blockdev.WHOLE_VOLUME_MEMBER, None, device, whole)]
        if not whole.get("PTTYPE"):
            if self.options["format"] == "repository":
                return None, []  # nothing we know on it: it goes in as an image
            raise BackupError("%s holds neither a partition table nor a file system we know; nothing to back up"
                              % self.lv["name"])
        _rc, dump, _err = blockdev.sfdisk_runner(self.module).run("dump device", dump=True, device=device)
        filesystems = []
        for name, number in self.maps.add():
            mapped = "/dev/mapper/" + name
            filesystems.append(self.describe("part%d" % number, number, mapped, blkid.probe(self.module, mapped)[0]))
        return dump, filesystems

    @staticmethod
    def describe(member, partition, device, probed):
        fstype = probed.get("TYPE")
        return dict(member=member, partition=partition, device=device, fstype=fstype,
                    label=probed.get("LABEL"), uuid=probed.get("UUID"),
                    archived=fstype in blockdev.SUPPORTED_FILESYSTEMS)

    def mount_all(self, filesystems):
        for filesystem in filesystems:
            if filesystem["archived"]:
                self.mounts.mount(filesystem["member"], filesystem["fstype"], filesystem["device"],
                                  options=blockdev.ro_mount_options(filesystem["fstype"]))

    def check_archivable(self, filesystems):
        """Before mounting: the archive format holds file systems, and must hold every one with data."""
        if not any(fs["archived"] for fs in filesystems):
            raise BackupError("%s has no file system we can archive (found: %s)" % (
                self.lv["name"], ", ".join("%s=%s" % (fs["member"], fs["fstype"]) for fs in filesystems) or "none"))
        # A partition with data an archive of file systems cannot hold (an LVM physical volume,
        # LUKS, an unknown file system) would be restored empty: refuse rather than lose it.
        # Swap and partitions with no signature at all are recreated empty on purpose.
        unheld = [fs for fs in filesystems if not fs["archived"] and fs["fstype"] and fs["fstype"] != "swap"]
        if unheld:
            raise BackupError(
                "%s: %s hold%s data that format=archive cannot keep (it archives file systems only) and a restore "
                "would bring back empty; back the volume up with format=repository, which keeps it whole as its "
                "block image" % (self.lv["name"], ", ".join("%s=%s" % (fs["member"], fs["fstype"]) for fs in unheld),
                                 "s" if len(unheld) == 1 else ""))

    def archive(self, filesystems):
        members = [fs["member"] for fs in filesystems if fs["archived"]]
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, 0o750)
        names = backup_archive.free_backup_names(self.folder, self.lv["name"], self.started,
                                                 self.options["compression"], self.options["checksum"])
        tar = backup_archive.tar_create_argv(self.module.get_bin_path("tar", required=True), self.mount_root, members,
                                             self.options["excludes"])
        self.temp = os.path.join(self.folder, names["temp"])
        compressor = backup_archive.compressor_argv(self.module, self.options["compression"])
        result = backup_archive.stream_archive(tar, compressor, self.temp, self.options["checksum"],
                                               watch=self.snapshot.watch,
                                               watch_interval=self.options.get("watch_interval", 2.0))
        self.snapshot.watch()  # the last writes may have filled it after the last look: look once more
        return names, result

    @staticmethod
    def repository_content(filesystems):
        """files when every file system can be mounted (swap partitions are recreated empty, as
        the archive format does), image for anything else: the whole block device."""
        archived = [fs for fs in filesystems if fs["archived"]]
        if archived and all(fs["archived"] or fs["fstype"] == "swap" for fs in filesystems):
            return "files"
        return "image"

    def to_repository(self, content, dump, filesystems):
        """One restic snapshot of the volume, files or image, with the snapshot watched while
        restic reads. -> restic's summary (snapshot_id, data_added, ...)."""
        options = self.options
        restic = self.module.get_bin_path("restic", required=True)
        tags = backup_repository.tags_for(self.lv["name"], content, self.lv["size"])
        watch_interval = options.get("watch_interval", 2.0)
        if content == "image":
            argv = backup_repository.backup_argv(restic, options["repository"], options["password_file"], tags,
                                                 stdin_filename=backup_repository.image_name(self.lv["name"]))
            out = backup_repository.run_streamed(argv, stdin_path=self.snapshot.device, watch=self.snapshot.watch,
                                                 watch_interval=watch_interval)
        else:
            self.mount_all(filesystems)
            self.layout_file = os.path.join(self.mount_root, backup_repository.LAYOUT_FILE)
            document = backup_repository.layout_document(self.lv["name"], self.lv["size"], dump, filesystems)
            backup_common.write_file_atomic(self.layout_file, json.dumps(document, indent=2, sort_keys=True) + "\n")
            members = [fs["member"] for fs in filesystems if fs["archived"]]
            # restic matches excludes against the full path it reads: anchor them at each member
            excludes = [os.path.join(self.mount_root, member, pattern) for member in members
                        for pattern in options["excludes"]]
            argv = backup_repository.backup_argv(restic, options["repository"], options["password_file"], tags,
                                                 excludes=excludes,
                                                 members=[backup_repository.LAYOUT_FILE] + members)
            out = backup_repository.run_streamed(argv, cwd=self.mount_root, watch=self.snapshot.watch,
                                                 watch_interval=watch_interval)
        self.snapshot.watch()  # the last writes may have filled it after the last look: look once more
        return backup_repository.parse_summary(out)

    def finish(self, names, result, dump, filesystems, size):
        archive = os.path.join(self.folder, names["archive"])
        os.rename(self.temp, archive)
        self.temp = None
        self.files.append(archive)
        checksum_file = os.path.join(self.folder, names["checksum"])
        backup_common.write_file_atomic(checksum_file, backup_archive.checksum_line(result["checksum"], names["archive"]))
        self.files.append(checksum_file)
        finished = backup_common.utc_now()
        manifest = dict(
            format=backup_archive.MANIFEST_FORMAT, tool=backup_archive.TOOL,
            tool_version=backup_archive.TOOL_VERSION,
            volume=self.lv["name"], vg=self.vg["name"],
            display_name=volume_meta.decode(self.lv.get("tags") or []).get("display_name"),
            started_at=backup_common.iso(self.started), finished_at=backup_common.iso(finished),
            origin_size=self.lv["size"], snapshot_size=self.snapshot.grown_to or size,
            snapshot_max_percent=round(self.snapshot.max_percent, 2),
            archive=names["archive"], archive_size=result["size"], compression=self.options["compression"],
            checksum_algorithm=self.options["checksum"], checksum=result["checksum"],
            checksum_file=names["checksum"], excludes=list(self.options["excludes"]),
            layout=dict(partition_table=dump, filesystems=[
                dict((k, fs[k]) for k in ("member", "partition", "fstype", "label", "uuid", "archived"))
                for fs in filesystems]),
            pre_hook=self.options.get("pre_hook_result"),
        )
        manifest_file = os.path.join(self.folder, names["manifest"])
        backup_common.write_file_atomic(manifest_file, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        self.files.append(manifest_file)
        return manifest

    def run(self):
        self.started = backup_common.utc_now()
        clock = time.monotonic()
        failure = None
        try:
            size = self.snapshot.size()
            self.snapshot.check_free_space(size)
            self.snapshot.create(size)
            dump, filesystems = self.find_filesystems()
            if self.options["format"] == "repository":
                content = self.repository_content(filesystems)
                summary = self.to_repository(content, dump, filesystems)
                self.entry.update(status="ok", snapshot_id=summary.get("snapshot_id"), content=content,
                                  data_added=summary.get("data_added"),
                                  bytes_read=summary.get("total_bytes_processed"),
                                  snapshot_max_percent=round(self.snapshot.max_percent, 2),
                                  filesystems=[dict((k, fs[k]) for k in ("member", "partition", "fstype", "archived"))
                                               for fs in filesystems])
            else:
                self.check_archivable(filesystems)
                self.mount_all(filesystems)
                names, result = self.archive(filesystems)
                manifest = self.finish(names, result, dump, filesystems, size)
                self.entry.update(status="ok", archive=os.path.join(self.folder, names["archive"]),
                                  archive_size=result["size"], checksum=result["checksum"],
                                  snapshot_max_percent=manifest["snapshot_max_percent"],
                                  filesystems=manifest["layout"]["filesystems"])
        except CommandError as error:
            failure = error
            self.entry.update(msg=str(error), cmd=error.argv, rc=error.rc, stderr=error.err)
        except (BackupError, OSError) as error:
            failure = error
            self.entry["msg"] = str(error)
        finally:
            if failure is not None and self.snapshot.created and not self.snapshot.filled \
                    and not isinstance(failure, Terminated):
                self.explain_failure()
            leftovers = self.cleanup(discard=failure is not None)
            self.entry["duration_seconds"] = round(time.monotonic() - clock, 1)
        if leftovers:
            self.entry["status"] = "failed"
            self.entry["leftovers"] = leftovers
            problems = [self.entry["msg"]] if self.entry["msg"] else []
            self.entry["msg"] = "; ".join(problems + ["clean-up incomplete: " + "; ".join(leftovers)])
        if failure is not None or leftovers:
            error_class = Terminated if isinstance(failure, Terminated) else BackupError
            raise error_class("backup of %s failed: %s" % (self.lv["name"], self.entry["msg"]))
        return self.entry

    def explain_failure(self):
        """A snapshot that fills up turns unreadable: say that it filled up, rather than only what
        the next step saw."""
        if self.snapshot.filled_up():
            self.entry["msg"] = (
                "the snapshot %s filled up during the backup (too many writes to %s), so %s; the archive was "
                "discarded; give a larger snapshot_size or set grow_snapshot_at"
                % (self.snapshot.lv_path, self.lv["name"], self.entry["msg"] or "it became unreadable"))

    def cleanup(self, discard):
        """Undo in reverse; every step is tried even when one fails. -> list of what is left."""
        leftovers = []
        if self.temp:
            try:
                files.remove_quietly(self.temp)
            except OSError as error:
                leftovers.append("temp file %s: %s" % (self.temp, error))
        if discard:
            for path in self.files:
                try:
                    files.remove_quietly(path)
                except OSError as error:
                    leftovers.append("%s: %s" % (path, error))
            self.entry["archive"] = None
        if self.layout_file:
            try:
                files.remove_quietly(self.layout_file)
            except OSError as error:
                leftovers.append("%s: %s" % (self.layout_file, error))
        leftovers.extend(self.mounts.release())
        leftovers.extend(self.maps.remove())
        leftovers.extend(self.snapshot.remove())
        return leftovers


def options_from_params(params):
    """The module's parameters (or the nightly script's configuration, same keys) -> validated
    options for run_backups. Raises ValidationError before anything is touched."""
    if bool(params["volume"]) == bool(params["all"]):
        raise ValidationError("give either volume or all: true")
    destination = validation.absolute_path(params["destination"], "destination")
    for pattern in params["excludes"]:
        parts = pattern.strip("/").split("/")
        if not pattern.strip("/") or ".." in parts or "\0" in pattern:
            raise ValidationError("invalid exclude %r: give a path inside the file system, without '..'" % (pattern,))
    if params["keep_min"] < 1:
        raise ValidationError("keep_min must be at least 1: the newest good backup is always kept")
    if params["retention_days"] is not None and params["retention_days"] < 0:
        raise ValidationError("retention_days must be 0 or more")
    if params["grow_snapshot_at"] is not None and not 1 <= params["grow_snapshot_at"] <= 99:
        raise ValidationError("grow_snapshot_at must be a percentage between 1 and 99")
    hooks = params["hook_results"] or {}
    for name, hook in hooks.items():
        validation.volume_name(name)
        if not isinstance(hook, dict):
            raise ValidationError("hook_results[%s] must be a dict with host and rc" % name)
    user_excludes = [pattern.strip("/") for pattern in params["excludes"]]
    excludes = list(DEFAULT_EXCLUDES) + [pattern for pattern in user_excludes if pattern not in DEFAULT_EXCLUDES]
    return dict(
        vg=validation.vg_name(params["vg"]),
        volume=validation.volume_name(params["volume"]) if params["volume"] else None,
        destination=destination,
        work_dir=validation.absolute_path(params["work_dir"], "work_dir"),
        snapshot_size=validation.size_bytes(params["snapshot_size"]) if params["snapshot_size"] else None,
        grow_snapshot_at=params["grow_snapshot_at"],
        compression=params["compression"],
        checksum=params["checksum"],
        excludes=excludes,
        retention_days=params["retention_days"],
        keep_min=params["keep_min"],
        report_file=validation.absolute_path(params["report_file"] or destination + "/backup-report.txt",
                                             "report_file"),
        hook_results=dict((name, dict(hook)) for name, hook in hooks.items()),
        lock_timeout=params.get("lock_timeout", locks.DEFAULT_WAIT_SECONDS),
        **repository_options(params)
    )


def repository_options(params):
    """format, repository and password_file: both paths are needed for format repository only."""
    backup_format = params.get("format") or "archive"
    if backup_format not in ("archive", "repository"):
        raise ValidationError("format must be archive or repository")
    policy = backup_repository.keep_policy(params)
    if backup_format == "archive":
        if policy:
            raise ValidationError("%s apply to format repository; format archive keeps retention_days and keep_min"
                                  % ", ".join(sorted(policy)))
        return dict(format=backup_format, repository=None, password_file=None, keep_policy={})
    for name in ("repository", "password_file"):
        if not params.get(name):
            raise ValidationError("format repository needs %s" % name)
    if params.get("retention_days") is not None:
        raise ValidationError("retention_days applies to format archive; a repository keeps what keep_last, "
                              "keep_daily, keep_weekly and keep_monthly say")
    return dict(format=backup_format, repository=backup_repository.repository_location(params["repository"]),
                password_file=validation.absolute_path(params["password_file"], "password_file"),
                keep_policy=policy)


def repository_usage(module, options, exists):
    """-> (what the repository takes, used % of the file system holding it).
    On the controller's disk: what the repository's files take, read from the file system, as for
    format archive (restic stats would open the repository, deriving its key, and walk every
    backup's trees: seconds on the lab, minutes on a large repository). Over SFTP: restic's own
    count (`restic stats --mode raw-data` over every snapshot, each blob once, compressed); how
    full that disk is cannot be read, and a size that cannot be read is reported unknown (with a
    warning): the backups themselves are done by then."""
    repository = options["repository"]
    if not backup_repository.is_remote(repository):
        return backup_report.destination_usage(repository) if os.path.isdir(repository) else (0, None)
    if not exists:
        return 0, None  # check mode before the first run: there is no repository yet
    try:
        size = backup_repository.stored_size(
            backup_repository.restic_runner(module, repository, options["password_file"]), [])
    except (CommandError, BackupError) as error:
        module.warn("the size of repository %s could not be read: %s" % (repository, error))
        size = None
    return size, None


def back_up_one(module, options, vg, lv, hook, check_mode):
    """One volume (or, in check mode, whether it would be): -> dict(entry, failure or None, changed)."""
    job = VolumeBackup(module, dict(options, pre_hook_result=hook), vg, lv)
    if hook is not None:
        job.entry["pre_hook"] = hook
    if hook is not None and hook.get("rc") not in (0, None):
        job.entry["msg"] = "the pre-backup hook failed on %s (rc=%s): not backed up" % (hook.get("host"), hook.get("rc"))
        return dict(entry=job.entry, failure="%s: %s" % (lv["name"], job.entry["msg"]), changed=False)
    if check_mode:
        try:
            job.snapshot.check_free_space(job.snapshot.size())
        except BackupError as error:
            job.entry["msg"] = str(error)
            return dict(entry=job.entry, failure="%s: %s" % (lv["name"], error), changed=False)
        job.entry.update(status="would back up", msg="")
        return dict(entry=job.entry, failure=None, changed=True)
    try:
        job.run()
    except Terminated:
        raise  # the volumes after this one are not started: the run was told to stop
    except BackupError as error:
        return dict(entry=job.entry, failure=str(error), changed=False)
    return dict(entry=job.entry, failure=None, changed=True)


def run_backups(module, options, check_mode=False):
    """Back up `options['volume']` (or all volumes), apply retention, build and write the report.

    options: vg, volume (None = all), destination, work_dir, snapshot_size (bytes or None),
    compression, checksum, excludes, retention_days, keep_min, grow_snapshot_at, report_file,
    format, repository, password_file,
    hook_results ({volume: dict(host, rc, ...)}), watch_interval, lock_timeout.
    Returns (result dict, list of failure messages).
    """
    started = backup_common.utc_now()
    clock = time.monotonic()
    vg = lvm.read_vg(module, options["vg"])
    if vg is None:
        raise BackupError("volume group %s does not exist" % options["vg"])
    lvs = lvm.read_lvs(module, options["vg"])
    volumes = backup_snapshot.volumes_to_back_up(lvs, options.get("volume"))
    if options.get("volume") and not volumes:
        raise BackupError("volume %s does not exist in volume group %s" % (options["volume"], options["vg"]))
    entries, failures, changed, created = [], [], False, False
    if options["format"] == "repository":
        if not os.access(options["password_file"], os.R_OK):
            raise BackupError("the password file %s cannot be read" % options["password_file"])
        created = backup_repository.ensure_repository(module, options["repository"], options["password_file"],
                                                      check_mode)
        changed = created
    hooks = options.get("hook_results") or {}
    for lv in volumes:
        try:
            with locks.held([locks.backups_lock(options["vg"], lv["name"])], "volume_backup of %s" % lv["name"],
                            wait=options["lock_timeout"]):
                swept, vg = backup_snapshot.sweep_stale_snapshot(module, options, vg, lv, lvs, check_mode)
                outcome = back_up_one(module, options, vg, lv, hooks.get(lv["name"]), check_mode)
        except Terminated:
            raise  # the volumes after this one are not started: the run was told to stop
        except (locks.LockTimeout, BackupError) as error:
            # held too long by another run, or a leftover snapshot still in use: this volume is
            # not backed up and the run fails, but the others still are, and the report says it
            outcome = dict(entry=backup_report.failed_entry(lv["name"], str(error)), failure="%s: %s" % (lv["name"], error),
                           changed=False)
            swept = False
        changed = changed or swept or outcome["changed"]
        entries.append(outcome["entry"])
        if outcome["failure"]:
            failures.append(outcome["failure"])
    removed = []
    if options["format"] == "repository" and options["keep_policy"]:
        for lv in volumes:
            try:
                removed.extend(backup_repository.forget(module, options["repository"], options["password_file"],
                                                        lv["name"], options["keep_policy"], check_mode))
            except (CommandError, BackupError) as error:
                failures.append("retention of %s: %s" % (lv["name"], error))
        changed = changed or bool(removed)
    if options.get("retention_days") is not None:
        removed = backup_retention.apply_retention(options["destination"], [lv["name"] for lv in volumes],
                                                   backup_common.utc_now(), options["retention_days"],
                                                   options["keep_min"], check_mode)
        changed = changed or bool(removed)
    if options["format"] == "repository":
        total_size, used_percent = repository_usage(module, options, exists=not (check_mode and created))
    elif os.path.isdir(options["destination"]):
        total_size, used_percent = backup_report.destination_usage(options["destination"])
    else:
        total_size, used_percent = 0, None
    report = dict(started_at=backup_common.iso(started), retention_days=options.get("retention_days"), keep_min=options["keep_min"],
                  keep_policy=options["keep_policy"] or None,
                  volumes=entries, removed=removed, total_backups_size=total_size,
                  destination_used_percent=used_percent, total_seconds=round(time.monotonic() - clock, 1),
                  failed=len(failures), remote=options["format"] == "repository"
                  and backup_repository.is_remote(options["repository"]))
    report_text = backup_report.render_report(report)
    if options.get("report_file") and not check_mode:
        folder = os.path.dirname(options["report_file"])
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o750)
        try:
            backup_common.write_file_atomic(options["report_file"], report_text)
        except BackupError as error:
            failures.append("report: %s" % error)
    result = dict(changed=changed, report=report, report_text=report_text,
                  backups=[entry for entry in entries if entry["status"] == "ok"], removed=removed)
    return result, failures
