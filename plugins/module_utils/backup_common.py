# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What backup and restore share beyond block devices: their error, stopping cleanly on a
signal, times and sizes as the report and manifests write them, and writing the backup's files (through
files.replace_file) with a failure said as a backup's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import errno
import signal

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import files


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


def write_file_atomic(path, text):
    """files.replace_file for the backup's own files, its failures as BackupError."""
    try:
        files.replace_file(path, text)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise BackupError("the destination is full: writing %s failed" % path)
        raise BackupError("writing %s failed: %s" % (path, error))
