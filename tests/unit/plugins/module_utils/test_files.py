"""files.replace_file: a reader sees the old file or the new one, never half of one, and a failed
write leaves nothing beside it."""
import errno
import os
import stat
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common, files


def test_replace_file_writes_root_only_and_leaves_no_partial_file(tmp_path):
    target = tmp_path / "saved.conf"
    target.write_text("old\n")
    files.replace_file(str(target), "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.conf"]


def test_replace_file_fsyncs_only_when_durable(tmp_path):
    with mock.patch.object(files.os, "fsync") as fsync:
        files.replace_file(str(tmp_path / "progress"), "{}\n", durable=False)
        assert not fsync.called
        files.replace_file(str(tmp_path / "backup.json"), "{}\n")
        assert fsync.call_count == 1


def test_a_failed_write_keeps_the_old_file_and_removes_the_partial_one(tmp_path):
    target = tmp_path / "saved.conf"
    target.write_text("old\n")
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with mock.patch.object(files, "write_all", side_effect=full), pytest.raises(OSError):
        files.replace_file(str(target), "new\n")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.conf"]


def test_the_backup_says_a_full_destination_as_its_own_error(tmp_path):
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with mock.patch.object(files, "write_all", side_effect=full):
        with pytest.raises(backup_common.BackupError, match="the destination is full: writing .*report"):
            backup_common.write_file_atomic(str(tmp_path / "report"), "text\n")
    assert list(tmp_path.iterdir()) == []


def test_the_partial_name_sits_beside_the_file_and_a_bare_name_stays_bare():
    assert files.partial_path("/run/novavolume/copy-1.json") == "/run/novavolume/.copy-1.json.partial"
    assert files.partial_path("vol_20261207T000000Z.tar.gz") == ".vol_20261207T000000Z.tar.gz.partial"
