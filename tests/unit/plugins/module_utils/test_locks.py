"""module_utils/locks.py: flock(2) locks with a bounded wait that name their holder."""

import os
import subprocess
import sys

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks


def test_holder_is_written_and_lock_is_free_afterwards(tmp_path):
    with locks.held(["volume-vg-b", "volume-vg-a"], "first run", lock_dir=str(tmp_path)):
        text = (tmp_path / "volume-vg-a.lock").read_text()
        assert text.startswith("first run (pid %d, since " % os.getpid())
        assert (tmp_path / "volume-vg-b.lock").exists()
    with locks.held(["volume-vg-a"], "second run", wait=0, lock_dir=str(tmp_path)):
        pass


def test_a_held_lock_times_out_naming_its_holder(tmp_path):
    with locks.held(["volume-vg-a"], "target_export of a (state present)", lock_dir=str(tmp_path)):
        with pytest.raises(locks.LockTimeout) as raised:
            with locks.held(["volume-vg-a"], "volume_backup of a", wait=0.3, lock_dir=str(tmp_path)):
                pytest.fail("the lock was taken twice")
    message = str(raised.value)
    assert "volume-vg-a is locked by target_export of a (state present) (pid %d" % os.getpid() in message
    assert message.endswith("waited 0 s for it; nothing was changed")


def test_a_killed_holder_leaves_no_lock(tmp_path):
    """flock dies with its process: a run killed while it held the lock blocks nobody."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
        "print('held', flush=True); time.sleep(60)"), str(tmp_path / "volume-vg-a.lock")], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"held"
    with pytest.raises(locks.LockTimeout):
        with locks.held(["volume-vg-a"], "second", wait=0.2, lock_dir=str(tmp_path)):
            pass
    holder.kill()
    holder.wait()
    with locks.held(["volume-vg-a"], "after the kill", wait=2, lock_dir=str(tmp_path)):
        pass


def test_the_wait_is_retried_until_the_holder_is_gone(tmp_path):
    clock = iter([0.0, 0.0, 0.05, 0.1, 0.15])
    calls = []
    real_flock = locks.fcntl.flock

    def flock_busy_twice(fd, operation):
        calls.append(operation)
        if len(calls) <= 2:
            raise BlockingIOError("busy")
        return real_flock(fd, operation)

    locks.fcntl.flock, saved = flock_busy_twice, locks.fcntl.flock
    try:
        with locks.held(["x"], "me", wait=1, lock_dir=str(tmp_path), clock=lambda: next(clock), sleep=lambda s: None):
            pass
    finally:
        locks.fcntl.flock = saved
    assert len(calls) == 3


def test_one_bound_for_all_the_locks_of_a_run(tmp_path):
    """lock_timeout bounds the whole wait: time spent on the first lock counts for the second."""
    times = iter([0.0] + [5.0] * 10)
    with locks.held(["volume-vg-b"], "other run", lock_dir=str(tmp_path)):
        with pytest.raises(locks.LockTimeout, match="volume-vg-b is locked by other run"):
            with locks.held(["volume-vg-a", "volume-vg-b"], "me", wait=1, lock_dir=str(tmp_path),
                            clock=lambda: next(times), sleep=lambda seconds: None):
                pytest.fail("taken while held")


def test_readers_share_a_lock_that_a_writer_waits_for(tmp_path):
    """volume_info reads under a shared lock: listings at once go on side by side, while a run
    that changes the target waits for them, and they wait for it."""
    with locks.held(["target-configuration"], "first listing", lock_dir=str(tmp_path), shared=True):
        with locks.held(["target-configuration"], "second listing", wait=0, lock_dir=str(tmp_path), shared=True):
            pass
        with pytest.raises(locks.LockTimeout):
            with locks.held(["target-configuration"], "target_export of a", wait=0.2, lock_dir=str(tmp_path)):
                pytest.fail("a writer got in while a reader held the lock")
    with locks.held(["target-configuration"], "target_export of a", lock_dir=str(tmp_path)):
        with pytest.raises(locks.LockTimeout) as raised:
            with locks.held(["target-configuration"], "listing", wait=0.2, lock_dir=str(tmp_path), shared=True):
                pytest.fail("a reader got in while a writer held the lock")
        # The file still names the writer: readers never write their names into it.
        assert "locked by target_export of a (pid" in str(raised.value)
