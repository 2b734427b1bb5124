# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classic backup format (format archive): a compressed tar streamed from the read-only
mounts with its checksum computed in the same pass, and the files beside it.

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

import datetime
import errno
import hashlib
import json
import os
import re
import select
import subprocess
import tempfile
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import files
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError

TOOL = "novavolume.lvm_iscsi.volume_backup"
TOOL_VERSION = "0.1.0"
MANIFEST_FORMAT = 1

ARCHIVE_EXTENSIONS = {"gzip": ".tar.gz", "zstd": ".tar.zst"}
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
CHUNK = 1024 * 1024
ENV = {"LANG": "C", "LC_ALL": "C"}


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
                    files.write_all(fd, chunk)
                    size += len(chunk)
                if watch and time.monotonic() >= next_watch:
                    watch()
                    next_watch = time.monotonic() + watch_interval
            os.fsync(fd)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise BackupError("the destination is full: writing %s failed after %s (%s)"
                                  % (temp_path, backup_common.human_size(size), os.strerror(error.errno)))
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
            files.remove_quietly(temp_path)


def hash_file(path, algorithm):
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


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
                temp=files.partial_path(archive))


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
