# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot backups of volumes: the streaming archive pipeline, the files beside an archive
(checksum, manifest), retention, the report, and the snapshot -> kpartx -> read-only mount ->
archive -> clean-up sequence for one volume.

Everything here needs only an object with `run_command`, `get_bin_path` and `warn` (an
AnsibleModule, or the small shim of the nightly entry script installed by roles/volume_backup),
so the module and the timer run the same code.

Files of one backup, all in `<destination>/<volume>/`:
    <volume>_<YYYYmmddTHHMMSSZ>.tar.gz         the archive (.tar.zst with zstd)
    <volume>_<YYYYmmddTHHMMSSZ>.tar.gz.sha1    `sha1sum` format: `sha1sum -c` works in that folder
    <volume>_<YYYYmmddTHHMMSSZ>.json           the manifest, written last: a backup is complete
                                               (good) when its manifest, archive and checksum exist
The archive holds one top-level folder per archived file system: `volume` for a volume without a
partition table, `part<N>` for partition N otherwise.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import errno
import hashlib
import json
import os
import re
import select
import signal
import subprocess
import tempfile
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

TOOL = "novavolume.lvm_iscsi.volume_backup"
TOOL_VERSION = "0.1.0"
MANIFEST_FORMAT = 1

# Our snapshot of volume X is X-nvbk, tagged, so a leftover of a killed run is recognisably ours.
SNAPSHOT_SUFFIX = "-nvbk"
SNAPSHOT_TAG = lvm.BACKUP_SNAPSHOT_TAG
# kpartx names partition maps <device><delimiter><N>; a delimiter of our own keeps our maps apart
# from anybody else's (and lets clean-up find exactly ours).
BACKUP_DELIMITER = "nvbk"
RESTORE_DELIMITER = "nvrs"

ARCHIVE_EXTENSIONS = {"gzip": ".tar.gz", "zstd": ".tar.zst"}
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
DEFAULT_EXCLUDES = ("lost+found",)
# File systems we can mount read-only without replaying a journal, and recreate on restore.
SUPPORTED_FILESYSTEMS = ("ext2", "ext3", "ext4", "xfs")
WHOLE_VOLUME_MEMBER = "volume"
CHUNK = 1024 * 1024
ENV = {"LANG": "C", "LC_ALL": "C"}


class BackupError(Exception):
    """A step of a backup or restore failed; the message is meant for the user as it is."""


class Terminated(BackupError):
    """The run was told to stop (SIGTERM from a stopped timer or a cancelled job, SIGHUP from a
    dropped connection, SIGINT): raised where the run is, so that its clean-up runs."""


@contextlib.contextmanager
def stop_cleanly_on_signals():
    """While inside: the first SIGTERM, SIGHUP or SIGINT raises Terminated where the run is; later
    ones are ignored, so that nothing interrupts the clean-up it starts (snapshot, maps, mounts,
    partial file). The handlers from before are back on the way out."""
    caught = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
    previous = dict((number, signal.getsignal(number)) for number in caught)

    def stop(signum, _frame):
        for number in caught:
            signal.signal(number, signal.SIG_IGN)
        raise Terminated("stopped by %s" % signal.Signals(signum).name)

    for number in caught:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def human_size(size):
    size = float(size or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return ("%d %s" % (size, unit)) if unit == "B" else ("%.1f %s" % (size, unit))
        size /= 1024.0
    return "%.1f TiB" % size  # not reached; keeps linters quiet about a missing return


# --- command families ---------------------------------------------------------------------

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


def blkid_runner(module):
    # rc 2: nothing recognised on the device; the caller decides what that means.
    return CommandRunner(
        module, "blkid", dict(probe=fmt.fixed("-p"), export=fmt.fixed("-o", "export"), device=fmt.positional()),
        benign_rcs=(0, 2),
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


def tar_extract_runner(module):
    return CommandRunner(
        module,
        "tar",
        dict(
            extract=fmt.fixed("--extract"),
            archive=fmt.opt_eq_val("--file"),
            decompressor=fmt.opt_eq_val("--use-compress-program"),
            directory=fmt.opt_eq_val("--directory"),
            keep=fmt.fixed("--numeric-owner", "--same-permissions", "--xattrs", "--acls"),
            members=fmt.positional(),
        ),
    )


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


# --- parsing ------------------------------------------------------------------------------

def parse_blkid_export(out):
    """`blkid -p -o export` output -> dict (TYPE, LABEL, UUID, PTTYPE...)."""
    values = {}
    for line in (out or "").splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


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


# --- the streaming pipeline ---------------------------------------------------------------

def tar_create_argv(tar_binary, root, members, excludes):
    """tar of `members` (folders under `root`), each with the same anchored `excludes` (paths
    relative to each file system's root), numeric owners, sparse files kept sparse."""
    argv = [tar_binary, "--create", "--file=-", "--directory=%s" % root, "--numeric-owner", "--sparse",
            "--xattrs", "--acls", "--anchored"]
    for member in members:
        for pattern in excludes:
            argv.append("--exclude=%s/%s" % (member, pattern.strip("/")))
    argv.append("--")
    argv.extend(members)
    return argv


def compressor_argv(module, compression, threads=0):
    """The compressor writing to stdout: pigz on all cores for gzip (plain gzip when pigz is
    missing, with a warning), zstd -3 on all cores."""
    if compression == "zstd":
        return [module.get_bin_path("zstd", required=True), "-3", "-T%d" % threads, "-q", "-c"]
    pigz = module.get_bin_path("pigz")
    if pigz:
        return [pigz, "-p", str(threads or os.cpu_count() or 1), "-c"]
    module.warn("pigz is not installed: compressing with single-threaded gzip")
    return [module.get_bin_path("gzip", required=True), "-c"]


def decompressor_program(module, compression):
    """The program tar runs to read an archive (tar adds -d itself)."""
    if compression == "zstd":
        return module.get_bin_path("zstd", required=True)
    return module.get_bin_path("pigz") or module.get_bin_path("gzip", required=True)


def _tail(handle):
    handle.seek(0)
    lines = handle.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no output"


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def stream_archive(producer_argv, compressor, temp_path, algorithm, watch=None, watch_interval=2.0):
    """Run `producer | compressor`, writing the compressor's output to `temp_path` (created new,
    mode 0600) and hashing it in the same pass: the data is read once.

    `watch` (optional) is called about every `watch_interval` seconds while data flows; an
    exception it raises stops the pipeline. On any failure the processes are stopped, the temp
    file is removed, and BackupError says what happened (a full destination is named as such).
    Returns dict(size=bytes written, checksum=hex digest).
    """
    hasher = hashlib.new(algorithm)
    env = dict(os.environ, **ENV)
    processes = []
    size = 0
    complete = False
    producer_err, compressor_err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    fd = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            producer = subprocess.Popen(producer_argv, stdout=subprocess.PIPE, stderr=producer_err, env=env)
            processes.append(producer)
            squeezer = subprocess.Popen(compressor, stdin=producer.stdout, stdout=subprocess.PIPE,
                                        stderr=compressor_err, env=env)
            processes.append(squeezer)
            producer.stdout.close()  # the compressor holds the pipe now; tar sees SIGPIPE if it dies
            source = squeezer.stdout.fileno()
            next_watch = time.monotonic() + watch_interval
            while True:
                timeout = max(0.0, next_watch - time.monotonic()) if watch else None
                readable, _w, _x = select.select([source], [], [], timeout)
                if readable:
                    chunk = os.read(source, CHUNK)
                    if not chunk:
                        break
                    hasher.update(chunk)
                    _write_all(fd, chunk)
                    size += len(chunk)
                if watch and time.monotonic() >= next_watch:
                    watch()
                    next_watch = time.monotonic() + watch_interval
            os.fsync(fd)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise BackupError("the destination is full: writing %s failed after %s (%s)"
                                  % (temp_path, human_size(size), os.strerror(error.errno)))
            raise BackupError("archiving to %s failed: %s" % (temp_path, error))
        compressor_rc, producer_rc = squeezer.wait(), producer.wait()
        if compressor_rc != 0:
            raise BackupError("%s failed (rc=%s): %s" % (os.path.basename(compressor[0]), compressor_rc,
                                                         _tail(compressor_err)))
        if producer_rc != 0:
            raise BackupError("%s failed (rc=%s): %s" % (os.path.basename(producer_argv[0]), producer_rc,
                                                         _tail(producer_err)))
        complete = True
        return dict(size=size, checksum=hasher.hexdigest())
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout:
                process.stdout.close()
        os.close(fd)
        producer_err.close()
        compressor_err.close()
        if not complete:
            remove_quietly(temp_path)


def hash_file(path, algorithm):
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


# --- files beside an archive --------------------------------------------------------------

def remove_quietly(path):
    try:
        os.unlink(path)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise


def write_file_atomic(path, text):
    """Write under a temp name in the same folder, fsync, rename: readers see all or nothing."""
    temp = "%s/.%s.partial" % (os.path.dirname(path), os.path.basename(path))
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            _write_all(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
    except OSError as error:
        remove_quietly(temp)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise BackupError("the destination is full: writing %s failed" % path)
        raise BackupError("writing %s failed: %s" % (path, error))


def checksum_line(digest, archive_name):
    """One line in the format of sha1sum/sha256sum (two spaces: text mode)."""
    return "%s  %s\n" % (digest, archive_name)


def parse_checksum_file(text):
    """-> (digest, file name) of the first line of a sha1sum/sha256sum file."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    digest, _sep, name = line.partition(" ")
    return digest.lower(), name.lstrip(" *")


def backup_names(volume, started, compression, algorithm):
    stem = "%s_%s" % (volume, started.strftime("%Y%m%dT%H%M%SZ"))
    archive = stem + ARCHIVE_EXTENSIONS[compression]
    return dict(stem=stem, archive=archive, checksum=archive + "." + algorithm, manifest=stem + ".json",
                temp="." + archive + ".partial")


# The names backup_names() gives a backup's files after its stem (checksum files before the
# archives they end in).
BACKUP_SUFFIXES = tuple([".json"] + ["%s.%s" % (ext, alg) for ext in ARCHIVE_EXTENSIONS.values()
                                     for alg in CHECKSUM_ALGORITHMS] + list(ARCHIVE_EXTENSIONS.values()))


def backup_stems(names, volume):
    """{stem: [name, ...]} of the file names among `names` that backup_names() makes for
    `volume`. Other files (an operator's copy, notes.json, vol1_before-upgrade.tar.gz) and the
    temp files of a run in progress are not backups."""
    ours = re.compile(r"\A%s_[0-9]{8}T[0-9]{6}Z\Z" % re.escape(volume))
    stems = {}
    for name in names:
        if name.startswith("."):
            continue
        for suffix in BACKUP_SUFFIXES:
            if name.endswith(suffix):
                if ours.match(name[: -len(suffix)]):
                    stems.setdefault(name[: -len(suffix)], []).append(name)
                break
    return stems


def free_backup_names(folder, volume, started, compression, algorithm):
    """backup_names for the first second from `started` on that no backup of the volume in
    `folder` (nor a partial file) is named after: two backups of one volume can finish within one
    second (the second waits on the first's lock), and the same names would replace the first
    one's files."""
    present = os.listdir(folder)
    taken = backup_stems(present, volume)
    moment = started
    while True:
        names = backup_names(volume, moment, compression, algorithm)
        if names["stem"] not in taken and names["temp"] not in present:
            return names
        moment += datetime.timedelta(seconds=1)


def manifest_path_for(archive_path):
    """The manifest beside an archive: <stem>.json for <stem>.tar.gz / <stem>.tar.zst."""
    for extension in ARCHIVE_EXTENSIONS.values():
        if archive_path.endswith(extension):
            return archive_path[: -len(extension)] + ".json"
    raise BackupError("%s is not an archive of ours (expected %s)"
                      % (archive_path, " or ".join(sorted(ARCHIVE_EXTENSIONS.values()))))


def read_manifest(path):
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise BackupError("cannot read the manifest %s: %s" % (path, error))
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError("%s is not a backup manifest of format %d" % (path, MANIFEST_FORMAT))
    return manifest


# --- retention ----------------------------------------------------------------------------

def backup_sets(volume_dir):
    """The backups in a volume's folder, newest first: dicts with stem, files (existing paths),
    started (datetime), good (manifest readable, archive and checksum file present)."""
    try:
        names = sorted(os.listdir(volume_dir))
    except OSError:
        return []
    # Only what backup_names() would have called a backup of this volume is ever ours to remove.
    sets = dict((stem, [os.path.join(volume_dir, name) for name in files])
                for stem, files in backup_stems(names, os.path.basename(os.path.normpath(volume_dir))).items())
    result = []
    for stem, files in sets.items():
        manifest, started = None, None
        manifest_file = os.path.join(volume_dir, stem + ".json")
        if manifest_file in files:
            try:
                manifest = read_manifest(manifest_file)
                started = parse_iso(manifest["started_at"])
            except (BackupError, KeyError, ValueError):
                manifest = None
        if started is None:
            started = datetime.datetime.fromtimestamp(min(os.path.getmtime(f) for f in files),
                                                      datetime.timezone.utc)
        good = bool(manifest) and all(
            os.path.join(volume_dir, manifest.get(key) or "-") in files for key in ("archive", "checksum_file"))
        result.append(dict(stem=stem, files=sorted(files), started=started, good=good))
    return sorted(result, key=lambda item: item["started"], reverse=True)


def plan_retention(sets, now, retention_days, keep_min):
    """-> (kept, removed): sets older than retention_days go, except the newest keep_min good ones."""
    if retention_days is None:
        return list(sets), []
    cutoff = now - datetime.timedelta(days=retention_days)
    protected = set(item["stem"] for item in [s for s in sets if s["good"]][:keep_min])
    kept, removed = [], []
    for item in sets:
        (removed if item["started"] < cutoff and item["stem"] not in protected else kept).append(item)
    return kept, removed


def apply_retention(destination, volumes, now, retention_days, keep_min, check_mode):
    """Retention over the folders of `volumes`; returns the removed backups' stems and files."""
    removed = []
    for volume in volumes:
        _kept, gone = plan_retention(backup_sets(os.path.join(destination, volume)), now, retention_days, keep_min)
        for item in gone:
            if not check_mode:
                for path in item["files"]:
                    remove_quietly(path)
            removed.append(dict(volume=volume, backup=item["stem"], files=item["files"], good=item["good"]))
    return removed


# --- the report ---------------------------------------------------------------------------

def destination_usage(path):
    """-> (total backups size in bytes under path, used % of its file system as df shows it)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    stats = os.statvfs(path)
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    usable = used + stats.f_bavail * stats.f_frsize
    return total, (round(100.0 * used / usable, 1) if usable else 0.0)


def render_report(report):
    lines = ["novavolume backup report", "Started: %s" % report["started_at"]]
    if report.get("retention_days") is None:
        lines.append("Retention: none (keep everything)")
    else:
        lines.append("Retention: %s days, at least %s good backup(s) per volume kept"
                     % (report["retention_days"], report["keep_min"]))
    for item in report["volumes"]:
        line = "%s: %s, %.1f s" % (item["volume"], item["status"], item.get("duration_seconds") or 0.0)
        if item.get("archive"):
            line += ", %s (%s)" % (human_size(item.get("archive_size")), item["archive"])
        if item.get("msg") and item["status"] != "ok":
            line += " - %s" % item["msg"]
        if item.get("pre_hook"):
            line += " [pre-hook on %s: rc=%s]" % (item["pre_hook"].get("host"), item["pre_hook"].get("rc"))
        lines.append(line)
    for item in report.get("removed", []):
        lines.append("Removed by retention: %s" % item["backup"])
    lines.append("Total backups size: %s" % human_size(report["total_backups_size"]))
    used = report["destination_used_percent"]
    lines.append("Destination used: %s" % ("unknown (no destination yet)" if used is None else "%s%%" % used))
    lines.append("Total time: %.1f s" % report["total_seconds"])
    return "\n".join(lines) + "\n"


# --- one volume ---------------------------------------------------------------------------

def failed_entry(volume, msg=""):
    """A volume's report entry before its backup succeeds (or when it could not start)."""
    return dict(volume=volume, status="failed", archive=None, archive_size=None, duration_seconds=0.0, msg=msg)


class VolumeBackup:
    """Back up one volume: snapshot, map, mount read-only, archive, then clean up everything this
    run created, whatever happened. `run()` returns the volume's report entry (status ok), or
    raises BackupError after cleaning up (the entry is in `self.entry`)."""

    def __init__(self, module, options, vg, lv):
        self.module, self.options, self.vg, self.lv = module, options, vg, lv
        self.snapshot = lv["name"] + SNAPSHOT_SUFFIX
        self.snapshot_lv = "%s/%s" % (vg["name"], self.snapshot)
        self.snapshot_device = "/dev/%s/%s" % (vg["name"], self.snapshot)
        self.folder = os.path.join(options["destination"], lv["name"])
        self.mount_root = os.path.join(options["work_dir"], lv["name"])
        # what this run created, undone in reverse by cleanup()
        self.snapshot_created = False
        self.mapped = []  # kpartx map names
        self.maps_interrupted = False  # stopped while kpartx made the maps: their names are unknown
        self.mounts = TemporaryMounts(module, self.mount_root)
        self.files = []  # final files written before the run failed
        self.temp = None
        self.max_percent = 0.0
        self.grown_to = None
        self.filled = False
        self.entry = failed_entry(lv["name"])

    # the steps -----------------------------------------------------------------------------
    def snapshot_size(self):
        size = self.options.get("snapshot_size") or self.lv["size"]
        return lvm.round_up_to_extent(size, self.vg.get("extent_size"))

    def check_free_space(self, size):
        if (self.vg.get("free") or 0) < size:
            raise BackupError(
                "not enough free space in volume group %s for a %s snapshot of %s: it has %s free; "
                "give a smaller snapshot_size or free space in the volume group"
                % (self.vg["name"], human_size(size), self.lv["name"], human_size(self.vg.get("free"))))

    def create_snapshot(self, size):
        try:
            lvm.lvcreate_runner(self.module).run(
                "yes snapshot size_bytes name tags vg", yes=True, snapshot=True, size_bytes=size,
                name=self.snapshot, tags=[SNAPSHOT_TAG], vg="%s/%s" % (self.vg["name"], self.lv["name"]))
        except Terminated:
            # Stopped while lvcreate ran: lvcreate goes on by itself and may still make the
            # snapshot. lvs waits for it (the volume group's lock); the clean-up removes it then.
            self.snapshot_created = self.snapshot_exists()
            raise
        self.snapshot_created = True

    def snapshot_exists(self):
        rc, out, _err = lvm.lvs_runner(self.module).run("json bytes fields vg", check=False, json=True, bytes=True,
                                                        fields=lvm.LV_FIELDS, vg=self.snapshot_lv)
        return rc == 0 and bool(lvm.parse_lvs(out))

    def probe(self, device):
        rc, out, _err = blkid_runner(self.module).run("probe export device", probe=True, export=True,
                                                      device=device)
        return parse_blkid_export(out) if rc == 0 else {}

    def find_filesystems(self):
        """-> (partition table dump or None, [filesystem dicts with member, device, ...])."""
        whole = self.probe(self.snapshot_device)
        if whole.get("TYPE") and not whole.get("PTTYPE"):
            return None, [self.describe(WHOLE_VOLUME_MEMBER, None, self.snapshot_device, whole)]
        if not whole.get("PTTYPE"):
            raise BackupError("%s holds neither a partition table nor a file system we know; nothing to back up"
                              % self.lv["name"])
        _rc, dump, _err = sfdisk_runner(self.module).run("dump device", dump=True, device=self.snapshot_device)
        try:
            _rc, out, _err = kpartx_runner(self.module).run(
                "add verbose delimiter device", add=True, verbose=True, delimiter=BACKUP_DELIMITER,
                device=self.snapshot_device)
        except Terminated:
            self.maps_interrupted = True  # as with lvcreate: the maps kpartx still makes go too
            raise
        maps = parse_kpartx_maps(out, BACKUP_DELIMITER)
        self.mapped = [name for name, _number in maps]
        filesystems = []
        for name, number in maps:
            device = "/dev/mapper/" + name
            filesystems.append(self.describe("part%d" % number, number, device, self.probe(device)))
        return dump, filesystems

    @staticmethod
    def describe(member, partition, device, probed):
        fstype = probed.get("TYPE")
        return dict(member=member, partition=partition, device=device, fstype=fstype,
                    label=probed.get("LABEL"), uuid=probed.get("UUID"),
                    archived=fstype in SUPPORTED_FILESYSTEMS)

    def mount_all(self, filesystems):
        for filesystem in filesystems:
            if filesystem["archived"]:
                self.mounts.mount(filesystem["member"], filesystem["fstype"], filesystem["device"],
                                  options=ro_mount_options(filesystem["fstype"]))

    def snapshot_state(self):
        _rc, out, _err = lvm.lvs_runner(self.module).run("json bytes fields vg", json=True, bytes=True,
                                                         fields=lvm.LV_FIELDS, vg=self.snapshot_lv)
        rows = lvm.parse_lvs(out)
        if not rows:
            raise BackupError("the snapshot %s disappeared during the backup" % self.snapshot_lv)
        return rows[0]

    def watch(self):
        """Called while archiving: fail when the snapshot filled up, grow it before that if asked."""
        state = self.snapshot_state()
        percent = float(state.get("snap_percent") or 0.0)
        self.max_percent = max(self.max_percent, percent)
        if state["snapshot_invalid"] or percent >= 100.0:
            self.filled = True
            raise BackupError(
                "the snapshot %s filled up during the backup (too many writes to %s): the archive was "
                "discarded; give a larger snapshot_size or set grow_snapshot_at" % (self.snapshot_lv, self.lv["name"]))
        grow_at = self.options.get("grow_snapshot_at")
        if grow_at and percent >= grow_at:
            self.grow(state["size"])

    def grow(self, current):
        vg = lvm.read_vg(self.module, self.vg["name"]) or {}
        step = min(current, self.lv["size"])
        new_size = lvm.round_up_to_extent(current + step, vg.get("extent_size"))
        if (vg.get("free") or 0) < new_size - current:
            self.module.warn("snapshot %s is %.0f%% full but the VG lacks %s to grow it"
                             % (self.snapshot_lv, self.max_percent, human_size(new_size - current)))
            return
        lvm.lvresize_runner(self.module, "lvextend").run("size_bytes lv", size_bytes=new_size, lv=self.snapshot_lv)
        self.grown_to = new_size

    def archive(self, filesystems):
        members = [fs["member"] for fs in filesystems if fs["archived"]]
        if not members:
            raise BackupError("%s has no file system we can archive (found: %s)" % (
                self.lv["name"], ", ".join("%s=%s" % (fs["member"], fs["fstype"]) for fs in filesystems) or "none"))
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, 0o750)
        names = free_backup_names(self.folder, self.lv["name"], self.started, self.options["compression"],
                                  self.options["checksum"])
        tar = tar_create_argv(self.module.get_bin_path("tar", required=True), self.mount_root, members,
                              self.options["excludes"])
        self.temp = os.path.join(self.folder, names["temp"])
        result = stream_archive(tar, compressor_argv(self.module, self.options["compression"]), self.temp,
                                self.options["checksum"], watch=self.watch,
                                watch_interval=self.options.get("watch_interval", 2.0))
        self.watch()  # the last writes may have filled it after the last look: look once more
        return names, result

    def finish(self, names, result, dump, filesystems, size):
        archive = os.path.join(self.folder, names["archive"])
        os.rename(self.temp, archive)
        self.temp = None
        self.files.append(archive)
        checksum_file = os.path.join(self.folder, names["checksum"])
        write_file_atomic(checksum_file, checksum_line(result["checksum"], names["archive"]))
        self.files.append(checksum_file)
        finished = utc_now()
        manifest = dict(
            format=MANIFEST_FORMAT, tool=TOOL, tool_version=TOOL_VERSION,
            volume=self.lv["name"], vg=self.vg["name"],
            display_name=volume_meta.decode(self.lv.get("tags") or []).get("display_name"),
            started_at=iso(self.started), finished_at=iso(finished),
            origin_size=self.lv["size"], snapshot_size=self.grown_to or size,
            snapshot_max_percent=round(self.max_percent, 2),
            archive=names["archive"], archive_size=result["size"], compression=self.options["compression"],
            checksum_algorithm=self.options["checksum"], checksum=result["checksum"],
            checksum_file=names["checksum"], excludes=list(self.options["excludes"]),
            layout=dict(partition_table=dump, filesystems=[
                dict((k, fs[k]) for k in ("member", "partition", "fstype", "label", "uuid", "archived"))
                for fs in filesystems]),
            pre_hook=self.options.get("pre_hook_result"),
        )
        manifest_file = os.path.join(self.folder, names["manifest"])
        write_file_atomic(manifest_file, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        self.files.append(manifest_file)
        return manifest

    def run(self):
        self.started = utc_now()
        clock = time.monotonic()
        failure = None
        try:
            size = self.snapshot_size()
            self.check_free_space(size)
            self.create_snapshot(size)
            dump, filesystems = self.find_filesystems()
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
            if failure is not None and self.snapshot_created and not self.filled \
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
        """A snapshot that fills up turns unreadable: blkid finds nothing, mount or tar get I/O
        errors. Say that it filled up, rather than only what the next step saw."""
        try:
            state = self.snapshot_state()
        except (CommandError, BackupError):
            return
        if state["snapshot_invalid"] or float(state.get("snap_percent") or 0.0) >= 100.0:
            self.entry["msg"] = (
                "the snapshot %s filled up during the backup (too many writes to %s), so %s; the archive was "
                "discarded; give a larger snapshot_size or set grow_snapshot_at"
                % (self.snapshot_lv, self.lv["name"], self.entry["msg"] or "it became unreadable"))

    def cleanup(self, discard):
        """Undo in reverse; every step is tried even when one fails. -> list of what is left."""
        leftovers = []
        if self.temp:
            try:
                remove_quietly(self.temp)
            except OSError as error:
                leftovers.append("temp file %s: %s" % (self.temp, error))
        if discard:
            for path in self.files:
                try:
                    remove_quietly(path)
                except OSError as error:
                    leftovers.append("%s: %s" % (path, error))
            self.entry["archive"] = None
        leftovers.extend(self.mounts.release())
        if self.mapped or self.maps_interrupted:
            leftovers.extend(remove_partition_maps(self.module, self.snapshot_device, BACKUP_DELIMITER, self.mapped))
        if self.snapshot_created:
            try:
                lvm.lvremove_runner(self.module).run("force lv", force=True, lv=self.snapshot_lv)
            except CommandError as error:
                leftovers.append("snapshot %s: %s" % (self.snapshot_lv, error))
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
    )


# --- all volumes of a run -----------------------------------------------------------------

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
                          % (options["vg"], stale[0]["name"], BACKUP_DELIMITER))
    if check_mode:
        return False, vg
    lvm.lvremove_runner(module).run("force lv", force=True, lv="%s/%s" % (options["vg"], stale[0]["name"]))
    module.warn("removed the leftover backup snapshot %s/%s of an earlier run" % (options["vg"], stale[0]["name"]))
    return True, lvm.read_vg(module, options["vg"])  # the space it held is free again


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
            job.check_free_space(job.snapshot_size())
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
    hook_results ({volume: dict(host, rc, ...)}), watch_interval, lock_timeout.
    Returns (result dict, list of failure messages).
    """
    started = utc_now()
    clock = time.monotonic()
    vg = lvm.read_vg(module, options["vg"])
    if vg is None:
        raise BackupError("volume group %s does not exist" % options["vg"])
    lvs = lvm.read_lvs(module, options["vg"])
    volumes = volumes_to_back_up(lvs, options.get("volume"))
    if options.get("volume") and not volumes:
        raise BackupError("volume %s does not exist in volume group %s" % (options["volume"], options["vg"]))
    entries, failures, changed = [], [], False
    hooks = options.get("hook_results") or {}
    for lv in volumes:
        try:
            with locks.held([locks.backups_lock(options["vg"], lv["name"])], "volume_backup of %s" % lv["name"],
                            wait=options["lock_timeout"]):
                swept, vg = sweep_stale_snapshot(module, options, vg, lv, lvs, check_mode)
                outcome = back_up_one(module, options, vg, lv, hooks.get(lv["name"]), check_mode)
        except Terminated:
            raise  # the volumes after this one are not started: the run was told to stop
        except (locks.LockTimeout, BackupError) as error:
            # held too long by another run, or a leftover snapshot still in use: this volume is
            # not backed up and the run fails, but the others still are, and the report says it
            outcome = dict(entry=failed_entry(lv["name"], str(error)), failure="%s: %s" % (lv["name"], error),
                           changed=False)
            swept = False
        changed = changed or swept or outcome["changed"]
        entries.append(outcome["entry"])
        if outcome["failure"]:
            failures.append(outcome["failure"])
    removed = []
    if options.get("retention_days") is not None:
        removed = apply_retention(options["destination"], [lv["name"] for lv in volumes], utc_now(),
                                  options["retention_days"], options["keep_min"], check_mode)
        changed = changed or bool(removed)
    if os.path.isdir(options["destination"]):
        total_size, used_percent = destination_usage(options["destination"])
    else:
        total_size, used_percent = 0, None
    report = dict(started_at=iso(started), retention_days=options.get("retention_days"), keep_min=options["keep_min"],
                  volumes=entries, removed=removed, total_backups_size=total_size,
                  destination_used_percent=used_percent, total_seconds=round(time.monotonic() - clock, 1),
                  failed=len(failures))
    report_text = render_report(report)
    if options.get("report_file") and not check_mode:
        folder = os.path.dirname(options["report_file"])
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o750)
        try:
            write_file_atomic(options["report_file"], report_text)
        except BackupError as error:
            failures.append("report: %s" % error)
    result = dict(changed=changed, report=report, report_text=report_text,
                  backups=[entry for entry in entries if entry["status"] == "ok"], removed=removed)
    return result, failures
