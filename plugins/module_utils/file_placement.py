# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restored files put in place in a destination folder, and the pack that carries them to
another host.

Shared by volume_restore (the controller: restic restores into a temporary folder, then the
paths are moved into the destination, or packed for another host) and files_unpack (the other
host: the pack is unpacked into a temporary folder, then the paths are moved in the same way).
Either way the temporary folder sits beside the destination, on the same file system, and a
path is moved into place only once every path is there: a failed or stopped run leaves no
partial file in the destination.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath
import shutil

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

# Prefix of the temporary folders beside a destination and of packs.
TEMP_PREFIX = ".novavolume-restore-"


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


def destination_folder(value):
    """An absolute folder other than the root (force there would replace the host's own files)."""
    path = validation.absolute_path(value, "destination")
    if path == "/":
        raise ValidationError("destination must be a folder below /, not / itself")
    return path


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


def refuse_not_empty(destination, force):
    """destination_state(), refused when the destination holds anything, unless force."""
    state = destination_state(destination)
    if state == "not empty" and not force:
        raise BackupError("destination %s is not empty; set force: true to replace the restored paths in it" % destination)
    return state


def remove_path(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def check_restored(source, paths):
    """Every one of `paths` is below the folder `source` (restic restore or the pack wrote it)."""
    missing = [path for path in paths if not os.path.lexists(os.path.join(source, path))]
    if missing:
        raise BackupError("the restore wrote no %s" % ", ".join(missing))


def place_paths(source, paths, destination, state):
    """Move each of `paths` from the folder `source` to the same path below `destination`
    (whose destination_state() was `state`), replacing what is there. A destination this call
    makes (mode 0700: the tenant's files, only root enters until someone gives them out) goes
    again when a move fails."""
    check_restored(source, paths)
    made_destination = False
    try:
        if state == "absent":
            os.mkdir(destination, 0o700)
            made_destination = True
        for path in paths:
            target = os.path.join(destination, path)
            remove_path(target)
            if not os.path.isdir(os.path.dirname(target)):
                os.makedirs(os.path.dirname(target))
            os.rename(os.path.join(source, path), target)
    except OSError as error:
        if made_destination:
            shutil.rmtree(destination, ignore_errors=True)
        raise BackupError("%s could not be put into %s: %s" % (", ".join(paths), destination, error))
    except BaseException:
        # also when stopped (Terminated): nothing of this run stays behind
        if made_destination:
            shutil.rmtree(destination, ignore_errors=True)
        raise
