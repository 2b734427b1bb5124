# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore single files or folders from a files backup in the restic repository (format
repository, content files) into a folder on the controller, or into a pack (a tar.gz) that
files_unpack puts in place on another host, without restoring the volume.

The backup's file systems are its members (`volume`, or `part<N>` per partition) at the
snapshot's root; a path names a file or folder inside one of them, as the instance sees it
(`etc/hosts` or `/etc/hosts` is `/part1/etc/hosts` in the snapshot). Every path is looked up in
the backup (`restic ls`) before anything is written. `restic restore --include` writes them into
a temporary folder beside the destination, on the same file system, and only once all of it is
there is each path moved into place: a failed or stopped restore leaves no partial file in the
destination and removes the temporary folder. A destination that holds anything is refused
unless `force`, which replaces the restored paths there and leaves the rest of it alone
(file_placement does the moving, for files_unpack too). A pack is written from a temporary
folder beside it and removed again when the run fails.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import posixpath
import shutil
import tempfile

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blockdev
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import file_placement
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import tar
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def files_snapshot(module, options):
    """The snapshot to restore files from (the latest of source_volume, or the one given) and its
    members: the file systems volume_backup archived, which are the snapshot's own paths beside
    layout.json, so that layout.json need not be read (one restic call less). Raises BackupError
    for a snapshot of the block image, or one volume_backup did not make."""
    snapshots = backup_repository.list_snapshots(module, options["repository"], options["password_file"],
                                                 options["source_volume"])
    chosen = backup_repository.select_snapshot(snapshots, options["source_volume"], options["snapshot"])
    what = "snapshot %s of %s" % (chosen["short_id"], chosen["volume"])
    if chosen["content"] != "files":
        raise BackupError("%s is a backup of the block image (content %s): single files can only be restored from a "
                          "files backup; restore the volume instead" % (what, chosen["content"]))
    members = [posixpath.basename(path) for path in chosen["paths"]
               if posixpath.basename(path) != backup_repository.LAYOUT_FILE]
    if not all(blockdev.MEMBER_PATTERN.match(member) for member in members):
        raise BackupError("%s holds %s: not what volume_backup archives; nothing was changed"
                          % (what, ", ".join(chosen["paths"])))
    return chosen, members, what


def member_of(members, wanted, what):
    """The backup's file system to restore from: `wanted`, or the only one it holds."""
    if wanted is None:
        if len(members) != 1:
            raise BackupError("%s holds the file systems %s: give member" % (what, ", ".join(members)))
        return members[0]
    if wanted not in members:
        raise BackupError("%s holds no file system %s (it has %s)" % (what, wanted, ", ".join(members) or "none"))
    return wanted


def missing_paths(module, options, snapshot_id, member, paths):
    """The paths `restic ls` does not find in the snapshot."""
    wanted = ["/%s/%s" % (member, path) for path in paths]
    runner = backup_repository.restic_runner(module, options["repository"], options["password_file"])
    _rc, out, _err = runner.run("list_paths snapshot ids", list_paths=True, snapshot=snapshot_id, ids=wanted)
    found = set()
    for line in (out or "").splitlines():
        try:
            node = json.loads(line)
        except ValueError:
            continue
        if isinstance(node, dict) and node.get("path"):
            found.add(node["path"])
    return [path for path, full in zip(paths, wanted) if full not in found]


def restore_files(module, options, check_mode=False):
    """Find the snapshot, check the paths and the destination (or the pack), then (unless
    check_mode) restore. -> result dict for exit_json."""
    chosen, members, what = files_snapshot(module, options)
    member = member_of(members, options["member"], what)
    paths, destination, pack = options["paths"], options["destination"], options.get("pack")
    if pack:
        if os.path.lexists(pack) or not os.path.isdir(os.path.dirname(pack)):
            raise BackupError("pack %s must be a new file in an existing folder" % pack)
    else:
        state = file_placement.refuse_not_empty(destination, options["force"])
    missing = missing_paths(module, options, chosen["id"], member, paths)
    if missing:
        raise BackupError("%s has no %s in file system %s; nothing was changed" % (what, ", ".join(missing), member))
    result = dict(changed=True, action="files", member=member, paths=paths,
                  source_volume=chosen["volume"], snapshot_id=chosen["id"],
                  backup_started_at=backup_repository.time_of(chosen))
    if pack:
        result.update(pack=pack, diff=dict(before=dict(pack=None), after=dict(pack=pack, packed=paths)))
    else:
        result.update(destination=destination,
                      diff=dict(before=dict(destination=destination, state=state),
                                after=dict(destination=destination, restored=["%s/%s" % (destination, p) for p in paths])))
    if check_mode:
        return result
    temp = tempfile.mkdtemp(prefix=file_placement.TEMP_PREFIX, dir=os.path.dirname(pack or destination))
    try:
        runner = backup_repository.restic_runner(module, options["repository"], options["password_file"])
        runner.run("restore snapshot target include", restore=True, snapshot=chosen["id"], target=temp,
                   include=["/%s/%s" % (member, path) for path in paths])
        restored = os.path.join(temp, member)
        if pack:
            write_pack(module, restored, paths, pack)
        else:
            file_placement.place_paths(restored, paths, destination, state)
    finally:
        # also when stopped (Terminated) or a command failed: nothing of this run stays behind
        shutil.rmtree(temp, ignore_errors=True)
    return result


def write_pack(module, restored, paths, pack):
    """The restored `paths` (below the folder `restored`) packed into the new file `pack` (mode
    0600: the tenant's files), which goes again when the run fails."""
    file_placement.check_restored(restored, paths)
    try:
        os.close(os.open(pack, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise BackupError("pack %s could not be made: %s" % (pack, error))
    try:
        tar.tar_runner(module).run("create archive gzip directory keep members", create=True, archive=pack, gzip=True,
                                   directory=restored, keep=True, members=["--"] + paths)
    except BaseException:
        os.unlink(pack)
        raise


def member_name(value):
    """`member` as the layout names it: `volume` or `part<N>`."""
    if value is not None and not blockdev.MEMBER_PATTERN.match(value):
        raise ValidationError("member must be volume or part<N>, not %r" % (value,))
    return value
