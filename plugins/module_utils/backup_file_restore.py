# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore single files or folders from a files backup in the restic repository (format
repository, content files) into a folder on the controller, without restoring the volume.

The backup's file systems are its members (`volume`, or `part<N>` per partition) at the
snapshot's root; a path names a file or folder inside one of them, as the instance sees it
(`etc/hosts` or `/etc/hosts` is `/part1/etc/hosts` in the snapshot). Every path is looked up in
the backup (`restic ls`) before anything is written. `restic restore --include` writes them into
a temporary folder beside the destination, on the same file system, and only once all of it is
there is each path moved into place: a failed or stopped restore leaves no partial file in the
destination and removes the temporary folder. A destination that holds anything is refused
unless `force`, which replaces the restored paths there and leaves the rest of it alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import posixpath
import shutil
import tempfile

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_restore
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blockdev
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def file_paths(values):
    """The paths asked for -> normalized, relative to their file system's root, without `..`;
    a path that is the whole file system (`/`) or twice in the list is refused."""
    if not values:
        raise ValidationError("paths must name at least one file or folder")
    result = []
    for value in values:
        if not isinstance(value, str) or "\0" in value or not value.strip("/"):
            raise ValidationError("invalid path %r: name a file or folder inside the file system" % (value,))
        parts = value.strip("/").split("/")
        if ".." in parts:
            raise ValidationError("invalid path %r: '..' is not allowed" % (value,))
        path = posixpath.normpath("/".join(part for part in parts if part not in ("", ".")))
        if path in result:
            raise ValidationError("path %r is given twice" % (value,))
        result.append(path)
    for path in result:
        if any(path.startswith(other + "/") for other in result):
            raise ValidationError("path %r is inside another path given" % (path,))
    return result


def member_of(manifest, wanted, what):
    """The backup's file system to restore from: `wanted`, or the only one it holds."""
    members = [fs["member"] for fs in (manifest.get("layout") or {}).get("filesystems") or [] if fs.get("archived")]
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


def destination_state(destination):
    """-> 'absent', 'empty' or 'not empty'. Raises BackupError when it is not a folder or its
    parent folder does not exist (the temporary folder goes there)."""
    if os.path.lexists(destination):
        if os.path.islink(destination) or not os.path.isdir(destination):
            raise BackupError("destination %s exists and is not a folder" % destination)
        return "not empty" if os.listdir(destination) else "empty"
    if not os.path.isdir(os.path.dirname(destination)):
        raise BackupError("the folder %s that would hold destination %s does not exist"
                          % (os.path.dirname(destination), destination))
    return "absent"


def remove_path(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def restore_files(module, options, check_mode=False):
    """Find the snapshot, check the paths and the destination, then (unless check_mode) restore.
    -> result dict for exit_json."""
    manifest = backup_restore.repository_manifest(module, options)
    what = "snapshot %s of %s" % (manifest["checksum"][:8], manifest["volume"])
    if manifest["content"] != "files":
        raise BackupError("%s is a backup of the block image (content %s): single files can only be restored from a "
                          "files backup; restore the volume instead" % (what, manifest["content"]))
    member = member_of(manifest, options["member"], what)
    paths, destination = options["paths"], options["destination"]
    state = destination_state(destination)
    if state == "not empty" and not options["force"]:
        raise BackupError("destination %s is not empty; set force: true to replace the restored paths in it" % destination)
    missing = missing_paths(module, options, manifest["checksum"], member, paths)
    if missing:
        raise BackupError("%s has no %s in file system %s; nothing was changed" % (what, ", ".join(missing), member))
    result = dict(changed=True, action="files", destination=destination, member=member, paths=paths,
                  source_volume=manifest["volume"], snapshot_id=manifest["checksum"],
                  backup_started_at=manifest.get("started_at"),
                  diff=dict(before=dict(destination=destination, state=state),
                            after=dict(destination=destination, restored=["%s/%s" % (destination, p) for p in paths])))
    if not check_mode:
        put_in_place(module, options, manifest["checksum"], member, paths, destination, state)
    return result


def put_in_place(module, options, snapshot_id, member, paths, destination, state):
    """restic restore into a temporary folder beside the destination, then each path moved in."""
    temp = tempfile.mkdtemp(prefix=".novavolume-restore-", dir=os.path.dirname(destination))
    made_destination = False
    try:
        try:
            runner = backup_repository.restic_runner(module, options["repository"], options["password_file"])
            runner.run("restore snapshot target include", restore=True, snapshot=snapshot_id, target=temp,
                       include=["/%s/%s" % (member, path) for path in paths])
            restored = os.path.join(temp, member)
            for path in paths:
                if not os.path.lexists(os.path.join(restored, path)):
                    raise BackupError("restic restore wrote no %s" % path)
            if state == "absent":
                # the tenant's files: only root enters until someone gives them out
                os.mkdir(destination, 0o700)
                made_destination = True
            for path in paths:
                target = os.path.join(destination, path)
                remove_path(target)
                if not os.path.isdir(os.path.dirname(target)):
                    os.makedirs(os.path.dirname(target))
                os.rename(os.path.join(restored, path), target)
        except OSError as error:
            raise BackupError("restore of %s into %s failed: %s" % (", ".join(paths), destination, error))
    except BaseException:
        # also when stopped (Terminated) or a command failed: nothing of this run stays behind
        if made_destination:
            shutil.rmtree(destination, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def destination_folder(value):
    """An absolute folder other than the root (force there would replace the controller's own files)."""
    path = validation.absolute_path(value, "destination")
    if path == "/":
        raise ValidationError("destination must be a folder below /, not / itself")
    return path


def member_name(value):
    """`member` as the layout names it: `volume` or `part<N>`."""
    if value is not None and not blockdev.MEMBER_PATTERN.match(value):
        raise ValidationError("member must be volume or part<N>, not %r" % (value,))
    return value
