# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository backup format (format repository): a restic repository (version 2, so its
data is compressed), incremental and deduplicated across runs and volumes, encrypted with the
key in a password file, which restic is given with --password-file (the password itself never
appears in an argv, an environment or a log).

One backup of a volume is one restic snapshot tagged `novavolume`, `volume=<name>`,
`content=<files|image>` and `size=<bytes of the volume>`:
  - content files: the read-only mounts of the volume's file systems (used data only, as the
    archive format), members `volume` or `part<N>` at the snapshot's root, with `layout.json`
    beside them (partition table and file systems, as an archive's manifest records them), so
    that a restore rebuilds the layout;
  - content image: the whole block device of the snapshot, streamed into
    `restic backup --stdin --stdin-filename <volume>.img`, for a volume with anything the backup
    cannot mount (no file system, LVM inside, an unknown partition): the image holds its
    partition table and everything else, and deduplication keeps what a later run adds small.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import select
import subprocess
import tempfile

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

OUR_TAG = "novavolume"
LAYOUT_FILE = "layout.json"
LAYOUT_FORMAT = 1
CONTENTS = ("files", "image")
ENV = {"LANG": "C", "LC_ALL": "C"}
SNAPSHOT_ID = re.compile(r"\A[0-9a-f]{4,64}\Z")
KEEP_POLICIES = ("keep_last", "keep_daily", "keep_weekly", "keep_monthly")
# What `restic check` says of a damaged pack file: "Pack ID does not match, want <id>, got ..."
# (the file's content no longer hashes to its name) or "pack <id>: ..." / "pack <id> contains N
# errors" (a blob in it does not decrypt or hash right).
DAMAGED_PACK = re.compile(r"(?:Pack ID does not match, want|\bpack) ([0-9a-f]{64})", re.IGNORECASE)
# --read-data-subset: a percentage, or n/t (the n-th of t parts), as restic takes it.
# An SFTP repository as restic names it: sftp:[USER@]HOST:/ABSOLUTE/PATH (HOST a name or an IPv4
# address; ssh finds the key and the host key through the ssh configuration, see roles/volume_backup).
SFTP_REPOSITORY = re.compile(
    r"\Asftp:(?:(?P<user>[a-z_][a-z0-9_-]{0,31})@)?(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    r":(?P<path>/[^\0]*)\Z")
DATA_SUBSET = re.compile(r"\A(?:(?:100|[1-9]?[0-9])(?:\.[0-9]+)?%|[1-9][0-9]*/[1-9][0-9]*)\Z")


def image_name(volume):
    return "%s.img" % volume


def tags_for(volume, content, size):
    return [OUR_TAG, "volume=%s" % volume, "content=%s" % content, "size=%d" % size]


def volume_filter(volume):
    """The --tag value that selects the backups of one volume (restic ANDs a comma list)."""
    return "%s,volume=%s" % (OUR_TAG, volume)


def restic_runner(module, repository, password_file):
    """restic on one repository; the key comes from the password file, never from argv."""
    return CommandRunner(
        module,
        "restic",
        dict(
            init=fmt.fixed("init", "--repository-version", "2"),
            cat_config=fmt.fixed("cat", "config"),
            snapshots=fmt.fixed("snapshots", "--json"),
            forget=fmt.fixed("forget", "--json", "--prune"),
            dry_run=fmt.fixed("--dry-run"),
            check_repository=fmt.fixed("check"),  # not `check`: run() takes that one itself
            read_data_subset=fmt.opt_eq_val("--read-data-subset"),
            dump=fmt.fixed("dump"),
            restore=fmt.fixed("restore"),
            find_pack=fmt.fixed("find", "--json", "--pack"),
            stats=fmt.fixed("stats", "--json", "--mode", "raw-data"),
            list_paths=fmt.fixed("ls", "--json"),
            tag=fmt.opt_val("--tag"),
            group_by=fmt.opt_val("--group-by"),
            keep_last=fmt.opt_val("--keep-last"),
            keep_daily=fmt.opt_val("--keep-daily"),
            keep_weekly=fmt.opt_val("--keep-weekly"),
            keep_monthly=fmt.opt_val("--keep-monthly"),
            target=fmt.opt_val("--target"),
            include=fmt.repeated("--include"),
            snapshot=fmt.positional(),
            path=fmt.positional(),
            ids=fmt.positional(),
        ),
        fixed_args=["--repo", repository, "--password-file", password_file],
    )


def backup_argv(restic, repository, password_file, tags, stdin_filename=None, excludes=None, members=None):
    """`restic backup` of `members` (relative to the folder it runs in) or, with stdin_filename,
    of its standard input; quiet with --json prints only the summary line."""
    argv = [restic, "--repo", repository, "--password-file", password_file, "backup", "--quiet", "--json"]
    for tag in tags:
        argv.extend(["--tag", tag])
    if stdin_filename:
        return argv + ["--stdin", "--stdin-filename", stdin_filename]
    for pattern in excludes or []:
        argv.extend(["--exclude", pattern])
    return argv + ["--"] + list(members or [])


def dump_argv(restic, repository, password_file, snapshot, path):
    return [restic, "--repo", repository, "--password-file", password_file, "dump", snapshot, path]


def snapshot_choice(value):
    """`latest`, or a snapshot id or its beginning (at least 4 hex digits)."""
    value = (value or "latest").strip().lower()
    if value != "latest" and not SNAPSHOT_ID.match(value):
        raise ValidationError("snapshot must be latest or a snapshot id (4 to 64 hex digits), not %r" % value)
    return value


def data_subset(value):
    """`all`, a percentage (`10%`) or `n/t` -> what --read-data-subset takes."""
    value = (value or "").strip()
    if value == "all":
        return "100%"
    if not DATA_SUBSET.match(value) or value in ("0%", "0.0%"):
        raise ValidationError("read_data_subset must be all, a percentage above 0 (10%%) or n/t (1/5), not %r" % value)
    return value


def keep_policy(params):
    """The keep_* options given (restic forget's --keep-*), validated: each 1 or more."""
    policy = dict((name, params.get(name)) for name in KEEP_POLICIES if params.get(name) is not None)
    for name, value in policy.items():
        if value < 1:
            raise ValidationError("%s must be 1 or more" % name)
    return policy


def repository_location(value, what="repository"):
    """An absolute path on the controller, or sftp:[USER@]HOST:/PATH (no `..` in either). Raises
    ValidationError with what is wrong."""
    if isinstance(value, str) and value.startswith("sftp:"):
        match = SFTP_REPOSITORY.match(value)
        if not match or ".." in match.group("path").split("/") or ".." in match.group("host"):
            raise ValidationError("invalid %s %r: give sftp:USER@HOST:/ABSOLUTE/PATH (a host name or address, "
                                  "a path without '..')" % (what, value))
        return "sftp:%s%s:%s" % (match.group("user") + "@" if match.group("user") else "", match.group("host"),
                                 os.path.normpath(match.group("path")))
    path = validation.absolute_path(value, what)
    if ".." in value.split("/"):
        raise ValidationError("invalid %s %r: '..' is not allowed" % (what, value))
    return path


def is_remote(repository):
    return repository.startswith("sftp:")


def is_repository(module, repository, password_file):
    """A repository on the controller exists where restic's `config` file is; a remote one when
    restic can read its config (`restic cat config`)."""
    if not is_remote(repository):
        return os.path.isfile(os.path.join(repository, "config"))
    rc, _out, _err = restic_runner(module, repository, password_file).run("cat_config", check=False, cat_config=True)
    return rc == 0


def ensure_repository(module, repository, password_file, check_mode):
    """Create the repository (version 2: compressed) when there is none. -> created."""
    if is_repository(module, repository, password_file):
        return False
    if check_mode:
        return True
    parent = os.path.dirname(repository.rstrip("/"))
    if not is_remote(repository) and parent and not os.path.isdir(parent):
        os.makedirs(parent, 0o750)
    restic_runner(module, repository, password_file).run("init", init=True)
    return True


def parse_summary(out):
    """The summary line of `restic backup --json` -> dict (snapshot_id, data_added, ...)."""
    for line in reversed((out or "").strip().splitlines()):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("message_type") == "summary":
            return message
    raise BackupError("restic backup printed no summary: %s" % ((out or "").strip()[-200:] or "no output"))


def tag_values(snapshot):
    """A snapshot's `key=value` tags -> dict."""
    values = {}
    for tag in snapshot.get("tags") or []:
        key, sep, value = tag.partition("=")
        if sep:
            values[key] = value
    return values


def list_snapshots(module, repository, password_file, volume=None):
    """Our snapshots (of one volume, or all), oldest first, each with its tag values added as
    `volume`, `content` and `size`."""
    _rc, out, _err = restic_runner(module, repository, password_file).run(
        "snapshots tag", snapshots=True, tag=volume_filter(volume) if volume else OUR_TAG)
    try:
        snapshots = json.loads(out or "[]") or []
    except ValueError:
        raise BackupError("restic snapshots printed no JSON: %s" % (out or "").strip()[:200])
    result = []
    for snapshot in snapshots:
        values = tag_values(snapshot)
        if values.get("content") not in CONTENTS or not values.get("volume"):
            continue
        size = values.get("size", "")
        result.append(dict(id=snapshot["id"], short_id=snapshot.get("short_id") or snapshot["id"][:8],
                           time=snapshot.get("time"), volume=values["volume"], content=values["content"],
                           size=int(size) if size.isdigit() else None, paths=snapshot.get("paths") or []))
    return sorted(result, key=lambda item: item["time"] or "")


def select_snapshot(snapshots, volume, wanted):
    """`wanted` is `latest` or a snapshot id (or its unique beginning) of `volume`'s backups."""
    if not snapshots:
        raise BackupError("the repository holds no backup of volume %s" % volume)
    if wanted in (None, "latest"):
        return snapshots[-1]
    matches = [item for item in snapshots if item["id"].startswith(wanted.lower())]
    if len(matches) != 1:
        raise BackupError("snapshot %s is %s among the backups of volume %s" % (
            wanted, "ambiguous" if matches else "not", volume))
    return matches[0]


def run_streamed(argv, stdin_path=None, stdout_path=None, cwd=None, watch=None, watch_interval=2.0):
    """Run a command whose data does not pass through this process: its standard input read from
    `stdin_path` (a block device) or its standard output written to `stdout_path`, so that a
    volume of any size streams through the guests' small memory. `watch` is called about every
    `watch_interval` seconds while it runs; an exception it raises stops the command.
    -> the command's own output (small: restic's summary) when stdout_path is None.
    Raises BackupError with the end of its error output when it fails."""
    env = dict(os.environ, **ENV)
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else out_file
    process = None
    try:
        process = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=err_file, cwd=cwd, env=env)
        while process.poll() is None:
            # wait without a busy loop: select on nothing for the watch interval
            select.select([], [], [], watch_interval if watch else 0.2)
            if watch and process.poll() is None:
                watch()
        if process.returncode != 0:
            err_file.seek(0)
            lines = err_file.read().decode("utf-8", "replace").strip().splitlines()
            raise BackupError("%s %s failed (rc=%s): %s" % (os.path.basename(argv[0]), " ".join(
                word for word in argv[1:] if word in ("backup", "dump", "restore")), process.returncode,
                lines[-1] if lines else "no output"))
        if stdout_path:
            os.fsync(stdout.fileno())
            return ""
        out_file.seek(0)
        return out_file.read().decode("utf-8", "replace")
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        for handle in (stdin, stdout):
            if handle not in (subprocess.DEVNULL, out_file):
                handle.close()
        out_file.close()
        err_file.close()


def layout_document(volume, size, dump, filesystems):
    """What layout.json holds: enough for a restore to rebuild the volume (the archive
    manifest's layout and origin_size, the same shape, so one check serves both)."""
    return dict(format=LAYOUT_FORMAT, volume=volume, origin_size=size, layout=dict(
        partition_table=dump,
        filesystems=[dict((k, fs[k]) for k in ("member", "partition", "fstype", "label", "uuid", "archived"))
                     for fs in filesystems]))


def read_layout(module, repository, password_file, snapshot_id):
    """layout.json of a files snapshot (a few hundred bytes, through `restic dump`)."""
    _rc, out, err = restic_runner(module, repository, password_file).run(
        "dump snapshot path", dump=True, snapshot=snapshot_id, path="/" + LAYOUT_FILE)
    try:
        document = json.loads(out)
    except ValueError:
        # say what restic printed: seen once on the lab (under load), cause not yet known
        raise BackupError("the layout.json of snapshot %s is not JSON: restic dump printed %d bytes %r%s"
                          % (snapshot_id[:8], len(out or ""), (out or "")[:120],
                             "; stderr: %s" % err.strip()[-200:] if (err or "").strip() else ""))
    if not isinstance(document, dict) or document.get("format") != LAYOUT_FORMAT:
        raise BackupError("snapshot %s holds no layout.json of format %d" % (snapshot_id[:8], LAYOUT_FORMAT))
    return document


def stored_size(runner, snapshot_ids):
    """What the data of these snapshots takes in the repository, each blob counted once (`restic
    stats --mode raw-data`, in bytes)."""
    _rc, out, _err = runner.run("stats ids", stats=True, ids=list(snapshot_ids))
    try:
        return int(json.loads(out)["total_size"])
    except (ValueError, KeyError, TypeError):
        raise BackupError("restic stats printed no total_size: %s" % (out or "").strip()[:200])


def backup_points(module, repository, password_file, volume):
    """The backups of `volume` in the repository, oldest first: time, content, size (what the
    backup's data takes in the repository) and added (what it took beyond the volume's earlier
    backups still there: the growth of their union, so what a later backup shares with an earlier
    one counts once). restic 0.14 keeps no per-snapshot summary: one `restic stats` per backup
    for its size and one per backup after the first for the union."""
    snapshots = list_snapshots(module, repository, password_file, volume)
    runner = restic_runner(module, repository, password_file)
    points, union_before = [], 0
    for index, snapshot in enumerate(snapshots):
        own = stored_size(runner, [snapshot["id"]])
        union = own if index == 0 else stored_size(runner, [item["id"] for item in snapshots[:index + 1]])
        points.append(dict(format="repository", id=snapshot["short_id"], snapshot_id=snapshot["id"],
                           time=time_of(snapshot), content=snapshot["content"], size=own,
                           added=max(union - union_before, 0), volume_size=snapshot["size"]))
        union_before = union
    return points


def time_of(snapshot):
    """restic's RFC 3339 time with nanoseconds -> our ISO form (seconds, Z)."""
    return (snapshot.get("time") or "")[:19] + "Z" if snapshot.get("time") else None


def forget(module, repository, password_file, volume, policy, check_mode):
    """`restic forget --prune` over one volume's backups (one group: all of this volume's
    snapshots from this host, whatever their content or size tags) with the keep policy.
    In check mode --dry-run. -> the snapshots removed (id, time)."""
    _rc, out, _err = restic_runner(module, repository, password_file).run(
        "forget dry_run tag group_by keep_last keep_daily keep_weekly keep_monthly", forget=True,
        dry_run=check_mode, tag=volume_filter(volume), group_by="host", **policy)
    # the JSON is the first line; prune's progress follows it as text (nothing at all when the
    # volume has no backup)
    first = (out or "").strip().splitlines()[:1]
    try:
        groups = json.loads(first[0]) if first else []
    except ValueError:
        raise BackupError("restic forget printed no JSON: %s" % first[0][:200])
    removed = []
    for group in groups or []:
        for snapshot in group.get("remove") or []:
            removed.append(dict(volume=volume, snapshot_id=snapshot["id"], time=time_of(snapshot)))
    return removed


def verify(module, repository, password_file, subset):
    """`restic check --read-data-subset` -> dict(ok, damaged_packs, affected_backups, output):
    the packs check found damaged and, through `restic find --pack`, the backups (snapshot,
    volume, time, files) whose data is in them. Raises BackupError when check fails for another
    reason (wrong password, no repository, locked) and names no damaged pack."""
    runner = restic_runner(module, repository, password_file)
    rc, out, err = runner.run("check_repository read_data_subset", check=False, check_repository=True,
                              read_data_subset=subset)
    text = "%s\n%s" % (out or "", err or "")
    damaged = sorted(set(pack.lower() for pack in DAMAGED_PACK.findall(text)))
    if rc != 0 and not damaged:
        lines = text.strip().splitlines()
        raise BackupError("restic check failed (rc=%s): %s" % (rc, lines[-1] if lines else "no output"))
    affected = []
    if damaged:
        _rc, found, _err = runner.run("find_pack ids", find_pack=True, ids=damaged)
        blobs = []
        for line in (found or "").strip().splitlines():  # one JSON list per line
            try:
                blobs.extend(json.loads(line))
            except (ValueError, TypeError):
                raise BackupError("restic find printed no JSON list: %s" % line[:200])
        known = dict((item["id"], item) for item in list_snapshots(module, repository, password_file))
        files = {}
        for blob in blobs or []:
            files.setdefault(blob["snapshot"], set()).add(blob.get("path"))
        for snapshot_id in sorted(files, key=lambda key: (known.get(key) or {}).get("time") or ""):
            item = known.get(snapshot_id) or {}
            affected.append(dict(snapshot_id=snapshot_id, short_id=snapshot_id[:8], volume=item.get("volume"),
                                 content=item.get("content"), time=time_of(item) if item else None,
                                 files=sorted(path for path in files[snapshot_id] if path)))
    return dict(ok=rc == 0, damaged_packs=damaged, affected_backups=affected,
                output=[line for line in text.strip().splitlines() if line.strip()][-20:])
