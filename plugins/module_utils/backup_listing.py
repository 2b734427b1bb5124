# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup points of one volume, in both formats, for volume_backup_info (and `novavol
backup-list`): the archives in <destination>/<volume>/ (each a full copy: it adds its own size)
and the snapshots of the volume in the restic repository (see backup_repository.backup_points).
Only reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_retention


def archive_points(destination, volume):
    """The archive backups of `volume`, oldest first. A backup missing its manifest, archive or
    checksum file (an interrupted copy, a hand-deleted file) is listed as incomplete."""
    folder = os.path.join(destination, volume)
    points = []
    for item in reversed(backup_retention.backup_sets(folder)):
        manifest = item["manifest"] or {}
        archive = manifest.get("archive")
        archive_path = os.path.join(folder, archive) if archive else None
        size = manifest.get("archive_size")
        if not isinstance(size, int) and archive_path in item["files"]:
            size = os.path.getsize(archive_path)
        points.append(dict(format="archive", id=archive or item["stem"], archive=archive_path,
                           time=backup_common.iso(item["started"]), content="files", size=size, added=size,
                           volume_size=manifest.get("origin_size"), complete=item["good"]))
    return points


def list_points(module, volume, destination, repository=None, password_file=None):
    """-> (points of both formats, oldest first; whether the repository was there to read). A
    repository that does not exist (yet), on the controller or on its SFTP host, holds no backup."""
    points = archive_points(destination, volume)
    found = False
    if repository:
        found = backup_repository.is_repository(module, repository, password_file)
        if found:
            points.extend(backup_repository.backup_points(module, repository, password_file, volume))
    return sorted(points, key=lambda point: point["time"] or ""), found
