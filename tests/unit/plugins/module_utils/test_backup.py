"""module_utils/backup_archive.py and its neighbours: the streaming pipeline run for real on the host (tar, gzip/pigz,
zstd, sha1sum), plus parsing, the files beside an archive, retention and the report."""

import datetime
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_report
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_retention
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blkid
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blockdev

UTC = datetime.timezone.utc


class HostModule:
    """What backup.py needs of a module, on the host."""

    def __init__(self):
        self.warnings = []

    def get_bin_path(self, name, required=False):
        path = shutil.which(name)
        if required and not path:
            pytest.skip("%s is not installed on this host" % name)
        return path

    def warn(self, text):
        self.warnings.append(text)


@pytest.fixture
def tree(tmp_path):
    """A mount root with one member `part1` holding files, a lost+found and an excluded folder."""
    root = tmp_path / "mnt"
    part = root / "part1"
    (part / "lost+found").mkdir(parents=True)
    (part / "lost+found" / "junk").write_text("junk")
    (part / "data").mkdir()
    (part / "data" / "a.txt").write_text("hello\n" * 1000)
    (part / "data" / "b.bin").write_bytes(os.urandom(200000))
    (part / "cache").mkdir()
    (part / "cache" / "big").write_bytes(b"x" * 100000)
    return root


def build(tree_root, tmp_path, compression, algorithm="sha1", excludes=("lost+found", "cache"), watch=None):
    module = HostModule()
    tar = backup_archive.tar_create_argv(module.get_bin_path("tar", required=True), str(tree_root), ["part1"], excludes)
    compressor = backup_archive.compressor_argv(module, compression)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    temp = out / ".archive.partial"
    result = backup_archive.stream_archive(tar, compressor, str(temp), algorithm, watch=watch, watch_interval=0.0)
    return temp, result


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_pipeline_archive_checksum_and_excludes(tree, tmp_path, compression, algorithm):
    temp, result = build(tree, tmp_path, compression, algorithm)
    data = temp.read_bytes()
    assert result["size"] == len(data)
    assert result["checksum"] == hashlib.new(algorithm, data).hexdigest()
    listing = subprocess.run(["tar", "--list", "--file", str(temp), "--use-compress-program",
                              "zstd" if compression == "zstd" else "gzip"], check=True,
                             capture_output=True, text=True).stdout.split()
    assert "part1/data/a.txt" in listing and "part1/data/b.bin" in listing
    assert not [name for name in listing if "lost+found" in name or "cache" in name]
    assert oct(temp.stat().st_mode & 0o777) == "0o600"


def test_checksum_file_verifies_with_sha1sum(tree, tmp_path):
    temp, result = build(tree, tmp_path, "gzip")
    final = temp.parent / "vol_20261124T210000Z.tar.gz"
    temp.rename(final)
    backup_common.write_file_atomic(str(final) + ".sha1", backup_archive.checksum_line(result["checksum"], final.name))
    check = subprocess.run(["sha1sum", "-c", final.name + ".sha1"], cwd=str(final.parent), capture_output=True, check=False,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert backup_archive.parse_checksum_file((final.parent / (final.name + ".sha1")).read_text()) == (
        result["checksum"], final.name)


def test_gzip_without_pigz_warns_and_uses_gzip(monkeypatch):
    module = HostModule()
    monkeypatch.setattr(module, "get_bin_path", lambda name, required=False: None if name == "pigz" else "/bin/" + name)
    assert backup_archive.compressor_argv(module, "gzip") == ["/bin/gzip", "-c"]
    assert module.warnings


def test_watch_failure_stops_pipeline_and_removes_temp(tree, tmp_path):
    def watch():
        raise backup_common.BackupError("snapshot filled up")

    with pytest.raises(backup_common.BackupError, match="filled up"):
        build(tree, tmp_path, "gzip", watch=watch)
    assert not (tmp_path / "out" / ".archive.partial").exists()


def test_watch_is_called(tree, tmp_path):
    calls = []
    build(tree, tmp_path, "zstd", watch=lambda: calls.append(1))
    assert calls


def test_producer_failure_removes_temp(tmp_path):
    temp = tmp_path / ".t.partial"
    with pytest.raises(backup_common.BackupError, match=r"tar failed \(rc=2\)"):
        backup_archive.stream_archive(["tar", "--create", "--file=-", "--directory=%s" % tmp_path, "missing"],
                                      ["gzip", "-c"], str(temp), "sha1")
    assert not temp.exists()


def test_compressor_failure_removes_temp(tree, tmp_path):
    temp = tmp_path / ".t.partial"
    with pytest.raises(backup_common.BackupError, match="false failed"):
        backup_archive.stream_archive(["tar", "--create", "--file=-", "--directory=%s" % tree, "part1"],
                                      [shutil.which("false")], str(temp), "sha1")
    assert not temp.exists()


def test_full_destination_is_named_and_temp_removed(tree, tmp_path, monkeypatch):
    real_write = os.write
    written = []

    def write(fd, data):
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(len(data))
        return real_write(fd, data)

    monkeypatch.setattr(backup_archive.os, "write", write)
    temp = tmp_path / ".t.partial"
    producer = [sys.executable, "-c", "import os,sys; sys.stdout.buffer.write(os.urandom(3 << 20))"]
    with pytest.raises(backup_common.BackupError, match="destination is full"):
        backup_archive.stream_archive(producer, ["cat"], str(temp), "sha1")
    assert not temp.exists()


def test_temp_file_is_never_overwritten(tmp_path):
    temp = tmp_path / ".t.partial"
    temp.write_text("someone else's")
    with pytest.raises(FileExistsError):
        backup_archive.stream_archive(["true"], ["cat"], str(temp), "sha1")
    assert temp.read_text() == "someone else's"


def test_parse_kpartx_maps():
    out = ("add map nova--volumes-vol1--nvbknvbk2 (254:6): 0 100 linear 254:4 4096\n"
           "add map nova--volumes-vol1--nvbknvbk1 (254:5): 0 2048 linear 254:4 2048\n")
    assert blockdev.parse_kpartx_maps(out, "nvbk") == [("nova--volumes-vol1--nvbknvbk1", 1),
                                                       ("nova--volumes-vol1--nvbknvbk2", 2)]
    assert blockdev.parse_kpartx_maps("", "nvbk") == []


def test_parse_blkid_and_mount_options():
    assert blkid.parse_export("DEVNAME=/dev/x\nTYPE=ext3\nLABEL=data\n")["TYPE"] == "ext3"
    assert blockdev.ro_mount_options("ext3") == "ro,noload"
    assert blockdev.ro_mount_options("ext4") == "ro,noload"
    assert blockdev.ro_mount_options("xfs") == "ro,norecovery,nouuid"
    assert blockdev.ro_mount_options("ext2") == "ro"


class RecordingModule(HostModule):
    """Records the commands instead of running them (mount and umount need root and a device)."""

    def __init__(self):
        super().__init__()
        self.ran = []

    def get_bin_path(self, name, required=False):
        return "/bin/" + name

    def run_command(self, argv, **kwargs):
        self.ran.append(argv)
        return 0, "", ""


def test_temporary_mounts_private_root_hardened_options_and_release(tmp_path):
    root = tmp_path / "work" / "vol1"
    root.mkdir(parents=True, mode=0o755)
    module = RecordingModule()
    mounts = blockdev.TemporaryMounts(module, str(root))
    folder = mounts.mount("part1", "ext4", "/dev/mapper/x1", options=blockdev.ro_mount_options("ext4"))
    assert oct(root.stat().st_mode & 0o777) == "0o700"  # an existing root is made private too
    assert module.ran == [["/bin/mount", "-t", "ext4", "-o", "ro,noload,nosuid,nodev,noexec", "/dev/mapper/x1", folder]]
    assert mounts.release() == []
    assert module.ran[-1] == ["/bin/umount", folder]
    assert not root.exists()


@pytest.mark.parametrize("member", ["../etc", "/etc", "part1/../../x", "part0", "", None])
def test_temporary_mounts_refuse_a_member_that_is_not_ours(tmp_path, member):
    module = RecordingModule()
    with pytest.raises(backup_common.BackupError, match="invalid archive member name"):
        blockdev.TemporaryMounts(module, str(tmp_path / "root")).mount(member, "ext4", "/dev/x")
    assert module.ran == [] and not (tmp_path / "root").exists()


def test_sanitize_partition_dump():
    dump = ("label: dos\nlabel-id: 0x1234\ndevice: /dev/nova-volumes/v-nvbk\nunit: sectors\n\n"
            "/dev/nova-volumes/v-nvbk1 : start=2048, size=100, type=83\n")
    assert blockdev.sanitize_partition_dump(dump) == (
        "label: dos\nlabel-id: 0x1234\nunit: sectors\n\nstart=2048, size=100, type=83\n")


def test_tar_argv_anchors_excludes_per_member():
    argv = backup_archive.tar_create_argv("/bin/tar", "/mnt", ["part1", "part2"], ["lost+found", "var/tmp"])
    assert argv[-3:] == ["--", "part1", "part2"]
    assert "--exclude=part1/var/tmp" in argv and "--exclude=part2/lost+found" in argv
    assert argv.index("--anchored") < argv.index("--exclude=part1/lost+found")


def make_backup(folder, volume, started, good=True, algorithm="sha1"):
    names = backup_archive.backup_names(volume, started, "gzip", algorithm)
    (folder / names["archive"]).write_bytes(b"archive")
    stamp = started.timestamp()
    os.utime(str(folder / names["archive"]), (stamp, stamp))  # without a manifest, age comes from mtime
    if good:
        (folder / names["checksum"]).write_text(backup_archive.checksum_line("00", names["archive"]))
        (folder / names["manifest"]).write_text(json.dumps(dict(
            format=1, started_at=backup_common.iso(started), archive=names["archive"], checksum_file=names["checksum"])))
    return names


def test_retention_keeps_newest_good_and_removes_old(tmp_path):
    folder = tmp_path / "vol"
    folder.mkdir()
    now = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    old = make_backup(folder, "vol", now - datetime.timedelta(days=10))
    older = make_backup(folder, "vol", now - datetime.timedelta(days=20))
    fresh = make_backup(folder, "vol", now - datetime.timedelta(days=1))
    removed = backup_retention.apply_retention(str(tmp_path), ["vol"], now, 7, 1, check_mode=False)
    assert sorted(item["backup"] for item in removed) == sorted([old["stem"], older["stem"]])
    assert sorted(os.listdir(folder)) == sorted([fresh["archive"], fresh["checksum"], fresh["manifest"]])


def test_retention_removes_only_backups_named_by_us(tmp_path):
    """Old files with our suffixes that backup_names() did not name stay: an operator's copy, an
    archive of another volume whose name starts the same, notes."""
    folder = tmp_path / "vol"
    folder.mkdir()
    now = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    old = make_backup(folder, "vol", now - datetime.timedelta(days=10))
    make_backup(folder, "vol", now - datetime.timedelta(days=1))
    foreign = ["vol_before-upgrade.tar.gz", "notes.json", "vol10_20261101T000000Z.tar.gz", "vol_20261101T000000Z-copy.json"]
    for name in foreign:
        (folder / name).write_text("x")
        stamp = (now - datetime.timedelta(days=40)).timestamp()
        os.utime(folder / name, (stamp, stamp))
    removed = backup_retention.apply_retention(str(tmp_path), ["vol"], now, 7, 1, check_mode=False)
    assert [item["backup"] for item in removed] == [old["stem"]]
    assert set(foreign) <= set(os.listdir(folder))


def test_retention_always_keeps_keep_min_good_even_when_all_are_old(tmp_path):
    folder = tmp_path / "vol"
    folder.mkdir()
    now = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    newest_bad = make_backup(folder, "vol", now - datetime.timedelta(days=8), good=False)
    good_new = make_backup(folder, "vol", now - datetime.timedelta(days=9))
    good_old = make_backup(folder, "vol", now - datetime.timedelta(days=30))
    sets = backup_retention.backup_sets(str(folder))
    assert [item["good"] for item in sets] == [False, True, True]
    kept, removed = backup_retention.plan_retention(sets, now, 7, 1)
    assert [item["stem"] for item in kept] == [good_new["stem"]]
    assert sorted(item["stem"] for item in removed) == sorted([newest_bad["stem"], good_old["stem"]])
    kept, _removed = backup_retention.plan_retention(sets, now, 7, 2)
    assert [item["stem"] for item in kept] == [good_new["stem"], good_old["stem"]]


def test_retention_in_check_mode_removes_nothing(tmp_path):
    folder = tmp_path / "vol"
    folder.mkdir()
    now = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    make_backup(folder, "vol", now - datetime.timedelta(days=10))
    make_backup(folder, "vol", now - datetime.timedelta(days=1))
    before = sorted(os.listdir(folder))
    assert len(backup_retention.apply_retention(str(tmp_path), ["vol"], now, 7, 1, check_mode=True)) == 1
    assert sorted(os.listdir(folder)) == before


def test_report_text_and_usage(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 2048)
    total, used = backup_report.destination_usage(str(tmp_path))
    assert total == 2048 and 0 <= used <= 100
    text = backup_report.render_report(dict(
        started_at="2026-11-24T21:00:00Z", retention_days=7, keep_min=1, total_backups_size=total,
        destination_used_percent=used, total_seconds=3.25, removed=[dict(backup="vol_old")],
        volumes=[dict(volume="vol", status="ok", duration_seconds=3.0, archive="/b/vol.tar.gz", archive_size=2048),
                 dict(volume="v2", status="failed", duration_seconds=0.5, msg="boom", pre_hook=dict(host="c1", rc=1))]))
    assert "Started: 2026-11-24T21:00:00Z" in text
    assert "Retention: 7 days" in text
    assert "vol: ok, 3.0 s, 2.0 KiB (/b/vol.tar.gz)" in text
    assert "v2: failed, 0.5 s - boom [pre-hook on c1: rc=1]" in text
    assert "Removed by retention: vol_old" in text
    assert "Total backups size: 2.0 KiB" in text and "Total time: 3.2 s" in text


def test_manifest_path_for():
    assert backup_archive.manifest_path_for("/b/v/v_1.tar.gz") == "/b/v/v_1.json"
    assert backup_archive.manifest_path_for("/b/v/v_1.tar.zst") == "/b/v/v_1.json"
    with pytest.raises(backup_common.BackupError):
        backup_archive.manifest_path_for("/b/v/v_1.zip")
