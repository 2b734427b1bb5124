"""Whether a run holds a lock of module_utils/locks.py, for fakes that must only be used under it."""

import errno
import fcntl
import os

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks


def locked(name):
    """Whether the lock `name` is held, shared or not (by this run: flock conflicts between two
    open files of one process too)."""
    with open(os.path.join(locks.LOCK_DIR, name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                return True
            raise
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def target_configuration_locked():
    """Whether a lock on the target configuration is held."""
    return locked(locks.TARGET_CONFIG)
