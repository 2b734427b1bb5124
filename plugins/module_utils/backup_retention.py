# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention of the classic archives: which backups of a volume are older than retention_days,
keeping the newest keep_min good ones, and removing them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import files
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError


def backup_sets(volume_dir):
    """The backups in a volume's folder, newest first: dicts with stem, files (existing paths),
    started (datetime), good (manifest readable, archive and checksum file present), manifest
    (None when unreadable)."""
    try:
        names = sorted(os.listdir(volume_dir))
    except OSError:
        return []
    # Only what backup_names() would have called a backup of this volume is ever ours to remove.
    sets = dict((stem, [os.path.join(volume_dir, name) for name in files])
                for stem, files in backup_archive.backup_stems(names, os.path.basename(os.path.normpath(volume_dir))).items())
    result = []
    for stem, files in sets.items():
        manifest, started = None, None
        manifest_file = os.path.join(volume_dir, stem + ".json")
        if manifest_file in files:
            try:
                manifest = backup_archive.read_manifest(manifest_file)
                started = backup_common.parse_iso(manifest["started_at"])
            except (BackupError, KeyError, ValueError):
                manifest = None
        if started is None:
            started = datetime.datetime.fromtimestamp(min(os.path.getmtime(f) for f in files),
                                                      datetime.timezone.utc)
        good = bool(manifest) and all(
            os.path.join(volume_dir, manifest.get(key) or "-") in files for key in ("archive", "checksum_file"))
        result.append(dict(stem=stem, files=sorted(files), started=started, good=good, manifest=manifest))
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
                    files.remove_quietly(path)
            removed.append(dict(volume=volume, backup=item["stem"], files=item["files"], good=item["good"]))
    return removed
