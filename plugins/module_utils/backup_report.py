# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report of a backup run: per volume its outcome, retention, the size of the backups and
how full the destination is, as text for a mail and a file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common


def failed_entry(volume, msg=""):
    """A volume's report entry before its backup succeeds (or when it could not start)."""
    return dict(volume=volume, status="failed", archive=None, archive_size=None, duration_seconds=0.0, msg=msg)


def destination_usage(path):
    """-> (total backups size in bytes under path, used % of its file system as df shows it)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total, used_percent(path)


def used_percent(path):
    """How full the file system holding path is, as df shows it."""
    stats = os.statvfs(path)
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    usable = used + stats.f_bavail * stats.f_frsize
    return round(100.0 * used / usable, 1) if usable else 0.0


def render_report(report):
    lines = ["novavolume backup report", "Started: %s" % report["started_at"]]
    if report.get("keep_policy"):
        lines.append("Retention: restic forget --prune keeping %s" % ", ".join(
            "%s %s" % (name.replace("_", " "), value) for name, value in sorted(report["keep_policy"].items())))
    elif report.get("retention_days") is None:
        lines.append("Retention: none (keep everything)")
    else:
        lines.append("Retention: %s days, at least %s good backup(s) per volume kept"
                     % (report["retention_days"], report["keep_min"]))
    for item in report["volumes"]:
        line = "%s: %s, %.1f s" % (item["volume"], item["status"], item.get("duration_seconds") or 0.0)
        if item.get("archive"):
            line += ", %s (%s)" % (backup_common.human_size(item.get("archive_size")), item["archive"])
        if item.get("snapshot_id"):
            # restic 0.14's data_added counts the new data before compression
            line += ", restic snapshot %s of the %s, %s of new data" % (
                item["snapshot_id"][:8], item.get("content"), backup_common.human_size(item.get("data_added")))
        if item.get("msg") and item["status"] != "ok":
            line += " - %s" % item["msg"]
        if item.get("pre_hook"):
            line += " [pre-hook on %s: rc=%s]" % (item["pre_hook"].get("host"), item["pre_hook"].get("rc"))
        lines.append(line)
    for item in report.get("removed", []):
        lines.append("Removed by retention: %s" % (item.get("backup") or "restic snapshot %s of %s" % (
            item["snapshot_id"][:8], item["volume"])))
    total = report["total_backups_size"]
    lines.append("Total backups size: %s" % ("unknown" if total is None else backup_common.human_size(total)))
    used = report["destination_used_percent"]
    if used is not None:
        lines.append("Destination used: %s%%" % used)
    elif report.get("remote"):
        # restic reads the repository over SFTP but cannot tell how full the other host's disk is
        lines.append("Destination used: unknown (the repository is on another host)")
    else:
        lines.append("Destination used: unknown (no destination yet)")
    lines.append("Total time: %.1f s" % report["total_seconds"])
    return "\n".join(lines) + "\n"
