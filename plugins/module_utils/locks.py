# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locks on the controller, so that two runs at once (two operators, AWX forks, the nightly
backup beside an attach) never act on one volume, or on the target's saved configuration, from
reads the other run has made stale.

One lock file per thing under /run/lock/novavolume, held with flock(2): the kernel drops it when
the holder exits, so a killed run never leaves a lock behind. The holder writes who it is into
the file; a run that waits longer than its bound fails naming that holder, before it changes
anything. Several locks are always taken in sorted order, so two runs cannot wait on each other
in a circle.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import os
import time

LOCK_DIR = "/run/lock/novavolume"
DEFAULT_WAIT_SECONDS = 120
POLL_SECONDS = 0.1
TARGET_CONFIG = "target-configuration"


class LockTimeout(Exception):
    """A lock stayed held by another run for longer than the wait allowed."""


def volume_lock(vg, volume):
    """One volume's lock: its export, its attachment record, its size and its existence change
    under it (target_export, volume, volume_restore)."""
    return "volume-%s-%s" % (vg, volume)


def backups_lock(vg, volume):
    """The lock of one volume's snapshots and backups (volume_backup, volume_restore, and volume
    when it deletes or resizes). Apart from volume_lock so that an attach and the nightly backup
    of the same volume do not wait on each other."""
    return "backups-%s-%s" % (vg, volume)


def new_volume_lock(vg):
    """The lock under which a new volume's name is picked and the volume made (volume with
    name_template), so that two runs at once never pick the same next id."""
    return "new-volume-%s" % vg


def _holder(handle):
    handle.seek(0)
    text = handle.read().strip()
    return text or "another run (it did not say which)"


@contextlib.contextmanager
def held(names, holder, wait=DEFAULT_WAIT_SECONDS, lock_dir=None, clock=time.monotonic, sleep=time.sleep,
         shared=False):
    """Hold every lock of `names` while inside; `holder` says who holds them (module and what
    it does). Raises LockTimeout after `wait` seconds on a lock another run holds.

    `shared` is for runs that only read: they wait for a run that changes the thing and hold it
    off while they read, but not each other. A reader does not write its name into the file (it
    belongs to the last run that held the lock to change the thing)."""
    lock_dir = lock_dir or LOCK_DIR
    if not os.path.isdir(lock_dir):
        os.makedirs(lock_dir, 0o700)
    handles = []
    deadline = clock() + wait  # one bound for all the locks of the run, as lock_timeout says
    try:
        for name in sorted(set(names)):
            handle = open(os.path.join(lock_dir, name + ".lock"), "a+")
            handles.append(handle)
            while True:
                try:
                    fcntl.flock(handle.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    break
                except (IOError, OSError):
                    if clock() >= deadline:
                        raise LockTimeout("%s is locked by %s; waited %d s for it; nothing was changed"
                                          % (name, _holder(handle), wait))
                    sleep(POLL_SECONDS)
            if shared:
                continue
            handle.seek(0)
            handle.truncate()
            handle.write("%s (pid %d, since %s)\n" % (holder, os.getpid(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
            handle.flush()
        yield
    finally:
        for handle in reversed(handles):
            handle.close()  # closing drops the flock
