"""module_utils/backup_repository.py run for real on the host against a restic repository in a
temp folder: files and an image in, what a later run adds, the snapshots listed and chosen, the
layout read back, an image dumped and files restored, and the password kept out of argv."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_file_restore
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.module_utils.test_backup import HostModule

PASSWORD = "not in any argv"


class RunningModule(HostModule):
    """HostModule plus AnsibleModule.run_command, recording every argv."""

    def __init__(self):
        super(RunningModule, self).__init__()
        self.argvs = []

    def run_command(self, args, data=None, environ_update=None, check_rc=False, handle_exceptions=False):
        self.argvs.append(args)
        done = subprocess.run(args, input=data, env=dict(os.environ, **(environ_update or {})), capture_output=True,
                              text=True, check=False)
        return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def made_repository(tmp_path_factory):
    """One repository made (and found again) for the module: restic's key derivation at `init`
    costs about two CPU-seconds, so every test starts from a copy of this one."""
    module = RunningModule()
    made = tmp_path_factory.mktemp("made")
    password_file = made / "password"
    password_file.write_text(PASSWORD + "\n")
    password_file.chmod(0o600)
    repository = str(made / "backups" / "restic")
    assert backup_repository.ensure_repository(module, repository, str(password_file), check_mode=False)
    assert not backup_repository.ensure_repository(module, repository, str(password_file), check_mode=False)
    return made


@pytest.fixture
def repo(made_repository, tmp_path):
    module = RunningModule()
    restic = module.get_bin_path("restic", required=True)
    shutil.copytree(str(made_repository / "backups"), str(tmp_path / "backups"))
    password_file = tmp_path / "password"
    shutil.copy2(str(made_repository / "password"), str(password_file))
    repository = str(tmp_path / "backups" / "restic")
    return dict(module=module, restic=restic, repository=repository, password_file=str(password_file), tmp=tmp_path)


def back_up_files(repo, root, members, volume="vol1", excludes=()):
    argv = backup_repository.backup_argv(repo["restic"], repo["repository"], repo["password_file"],
                                         backup_repository.tags_for(volume, "files", 1048576),
                                         excludes=list(excludes), members=members)
    return backup_repository.parse_summary(backup_repository.run_streamed(argv, cwd=str(root)))


def back_up_image(repo, image, volume="vol2"):
    argv = backup_repository.backup_argv(repo["restic"], repo["repository"], repo["password_file"],
                                         backup_repository.tags_for(volume, "image", image.stat().st_size),
                                         stdin_filename=backup_repository.image_name(volume))
    return backup_repository.parse_summary(backup_repository.run_streamed(argv, stdin_path=str(image)))


def test_files_in_then_only_what_changed_then_restored(repo):
    root = repo["tmp"] / "mnt"
    (root / "part1" / "data").mkdir(parents=True)
    (root / "part1" / "lost+found").mkdir()
    (root / "part1" / "lost+found" / "junk").write_bytes(os.urandom(50000))
    (root / "part1" / "data" / "big.bin").write_bytes(os.urandom(2000000))
    document = backup_repository.layout_document("vol1", 1048576, None, [dict(
        member="part1", partition=1, fstype="ext4", label="data", uuid="6b1c", archived=True, device="/dev/x")])
    (root / backup_repository.LAYOUT_FILE).write_text(json.dumps(document))
    excludes = [str(root / "part1" / "lost+found")]
    first = back_up_files(repo, root, [backup_repository.LAYOUT_FILE, "part1"], excludes=excludes)
    assert first["data_added"] > 2000000 * 0.9 and first["snapshot_id"]
    (root / "part1" / "data" / "new.bin").write_bytes(os.urandom(300000))
    second = back_up_files(repo, root, [backup_repository.LAYOUT_FILE, "part1"], excludes=excludes)
    # only the new file (and the trees around it) is added, not the 2 MB again
    assert 300000 <= second["data_added"] < 600000

    module = repo["module"]
    snapshots = backup_repository.list_snapshots(module, repo["repository"], repo["password_file"], "vol1")
    assert [item["content"] for item in snapshots] == ["files", "files"]
    assert snapshots[0]["size"] == 1048576 and snapshots[0]["volume"] == "vol1"
    latest = backup_repository.select_snapshot(snapshots, "vol1", "latest")
    assert latest["id"].startswith(second["snapshot_id"])
    assert backup_repository.select_snapshot(snapshots, "vol1", first["snapshot_id"][:6])["id"].startswith(
        first["snapshot_id"])
    assert backup_repository.read_layout(module, repo["repository"], repo["password_file"], latest["id"]) == document

    target = repo["tmp"] / "restored"
    (target / "part1").mkdir(parents=True)
    backup_repository.restic_runner(module, repo["repository"], repo["password_file"]).run(
        "restore snapshot target include", restore=True, snapshot=latest["id"], target=str(target),
        include=["/part1"])
    assert (target / "part1" / "data" / "big.bin").read_bytes() == (root / "part1" / "data" / "big.bin").read_bytes()
    assert (target / "part1" / "data" / "new.bin").is_file()
    assert not (target / "part1" / "lost+found").exists()  # excluded
    assert not (target / backup_repository.LAYOUT_FILE).exists()  # not one of the members
    assert all(PASSWORD not in " ".join(argv) for argv in module.argvs)


def test_image_in_twice_and_dumped_identical(repo):
    size = 32 * 1024 * 1024
    image = repo["tmp"] / "vol2.img"
    image.write_bytes(os.urandom(size))
    first = back_up_image(repo, image)
    with open(str(image), "r+b") as handle:  # 64 KiB changed in the middle
        handle.seek(size // 2)
        handle.write(os.urandom(65536))
    second = back_up_image(repo, image)
    assert first["data_added"] > size * 0.9
    # only the chunks around the change are stored again: restic's chunks are 8 MiB at most, so
    # the one or two the change falls in are less than half of the image
    assert 65536 <= second["data_added"] < size * 0.5
    snapshots = backup_repository.list_snapshots(repo["module"], repo["repository"], repo["password_file"], "vol2")
    assert [(item["content"], item["size"]) for item in snapshots] == [("image", size)] * 2
    out = repo["tmp"] / "dumped"
    out.write_bytes(b"")
    backup_repository.run_streamed(backup_repository.dump_argv(
        repo["restic"], repo["repository"], repo["password_file"], snapshots[-1]["id"], "/vol2.img"),
        stdout_path=str(out))
    assert out.read_bytes() == image.read_bytes()


def test_backup_points_say_what_each_backup_added(repo):
    """The listing of backup-list: each backup's stored size and what it added beyond the
    earlier ones of its volume, as the backups' own summaries said (give or take the trees)."""
    root = repo["tmp"] / "mnt"
    (root / "part1").mkdir(parents=True)
    (root / "part1" / "a.bin").write_bytes(os.urandom(1500000))
    first = back_up_files(repo, root, ["part1"])
    (root / "part1" / "b.bin").write_bytes(os.urandom(400000))
    second = back_up_files(repo, root, ["part1"])
    back_up_image(repo, repo["tmp"] / "mnt" / "part1" / "b.bin", volume="other")  # another volume: not listed
    points = backup_repository.backup_points(repo["module"], repo["repository"], repo["password_file"], "vol1")
    assert [(point["format"], point["content"]) for point in points] == [("repository", "files")] * 2
    assert [point["id"] for point in points] == [first["snapshot_id"][:8], second["snapshot_id"][:8]]
    assert points[0]["added"] == points[0]["size"]
    assert abs(points[0]["added"] - first["data_added"]) < 4096
    assert abs(points[1]["added"] - second["data_added"]) < 4096
    assert points[1]["size"] > 1900000 and points[0]["time"] <= points[1]["time"]
    # restic's count of the repository (what the report says over SFTP): the data of every
    # backup, each chunk once. The other volume's image is b.bin again (one chunk, stored once),
    # so beyond the second backup's data only the first backup's and the image's trees count.
    counted = backup_repository.stored_size(
        backup_repository.restic_runner(repo["module"], repo["repository"], repo["password_file"]), [])
    assert points[1]["size"] < counted < points[1]["size"] + 8192
    # On the controller's disk the report says what the repository's files take, read from the
    # file system: that data, and restic's index, snapshots and keys beside it.
    size, used = backup.repository_usage(repo["module"], dict(repository=repo["repository"],
                                                              password_file=repo["password_file"]), exists=True)
    on_disk = sum(path.stat().st_size for path in pathlib.Path(repo["repository"]).rglob("*") if path.is_file())
    assert size == on_disk and counted < size < counted + 65536 and 0.0 < used <= 100.0


def test_watch_runs_while_the_backup_reads_and_its_exception_stops_it(repo):
    image = repo["tmp"] / "vol3.img"
    image.write_bytes(os.urandom(1024 * 1024))
    calls = []

    def watch():
        calls.append(1)
        raise BackupError("snapshot filled up")

    argv = backup_repository.backup_argv(repo["restic"], repo["repository"], repo["password_file"],
                                         backup_repository.tags_for("vol3", "image", 1048576), stdin_filename="vol3.img")
    # `sleep` stands in for a long restic: the watch's exception ends it
    with pytest.raises(BackupError, match="filled up"):
        backup_repository.run_streamed(["sleep", "5"], watch=watch, watch_interval=0.05)
    assert calls
    backup_repository.run_streamed(argv, stdin_path=str(image))
    assert backup_repository.list_snapshots(repo["module"], repo["repository"], repo["password_file"], "vol3")


def test_failures_say_what_failed(repo, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("another password\n")
    argv = backup_repository.backup_argv(repo["restic"], repo["repository"], str(wrong),
                                         backup_repository.tags_for("vol1", "image", 1), stdin_filename="x.img")
    with pytest.raises(BackupError, match=r"restic backup failed \(rc=1\)"):
        backup_repository.run_streamed(argv, stdin_path=str(wrong))
    snapshots = backup_repository.list_snapshots(repo["module"], repo["repository"], repo["password_file"], "vol1")
    with pytest.raises(BackupError, match="no backup of volume vol1"):
        backup_repository.select_snapshot(snapshots, "vol1", "latest")
    with pytest.raises(BackupError, match="printed no summary"):
        backup_repository.parse_summary('{"message_type":"status"}\n')


@pytest.mark.parametrize("value, expected", [(None, "latest"), ("latest", "latest"), ("ABCD1234", "abcd1234")])
def test_snapshot_choice(value, expected):
    assert backup_repository.snapshot_choice(value) == expected


@pytest.mark.parametrize("value", ["abc", "latest; rm", "-r", "g123"])
def test_snapshot_choice_refuses(value):
    with pytest.raises(ValidationError):
        backup_repository.snapshot_choice(value)


def test_verify_names_the_damaged_pack_and_the_backups_it_touches(repo):
    data = pathlib.Path(repo["repository"]) / "data"
    image = repo["tmp"] / "vol2.img"
    image.write_bytes(os.urandom(2 * 1024 * 1024))
    before = set(path for path in data.rglob("*") if path.is_file())
    first = back_up_image(repo, image)
    # the pack holding vol2's data: the largest file its backup added (tree packs are small)
    target = max(set(path for path in data.rglob("*") if path.is_file()) - before, key=lambda path: path.stat().st_size)
    other = repo["tmp"] / "vol4.img"
    other.write_bytes(os.urandom(1024 * 1024))
    untouched = back_up_image(repo, other, volume="vol4")
    module = repo["module"]
    clean = backup_repository.verify(module, repo["repository"], repo["password_file"], "100%")
    assert (clean["ok"], clean["damaged_packs"], clean["affected_backups"]) == (True, [], [])
    target.chmod(0o600)
    with open(str(target), "r+b") as handle:
        handle.seek(4096)
        handle.write(b"damaged on purpose" * 4)
    found = backup_repository.verify(module, repo["repository"], repo["password_file"], "100%")
    assert not found["ok"] and found["damaged_packs"] == [target.name]
    assert [(item["volume"], item["content"]) for item in found["affected_backups"]] == [("vol2", "image")]
    assert found["affected_backups"][0]["snapshot_id"].startswith(first["snapshot_id"])
    assert found["affected_backups"][0]["files"] == ["/vol2.img"]
    assert untouched["snapshot_id"] not in [item["short_id"] for item in found["affected_backups"]]


def test_verify_that_cannot_run_says_why(repo, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("another password\n")
    with pytest.raises(BackupError, match=r"restic check failed \(rc=1\)"):
        backup_repository.verify(repo["module"], repo["repository"], str(wrong), "1%")


def test_forget_keeps_what_the_policy_says_and_prunes(repo):
    image = repo["tmp"] / "vol5.img"
    ids = []
    for _run in range(3):
        image.write_bytes(os.urandom(512 * 1024))
        ids.append(back_up_image(repo, image, volume="vol5")["snapshot_id"])
    module = repo["module"]
    planned = backup_repository.forget(module, repo["repository"], repo["password_file"], "vol5", dict(keep_last=1),
                                       check_mode=True)
    assert sorted(item["snapshot_id"][:8] for item in planned) == sorted(ids[:2])
    assert len(backup_repository.list_snapshots(module, repo["repository"], repo["password_file"], "vol5")) == 3
    removed = backup_repository.forget(module, repo["repository"], repo["password_file"], "vol5", dict(keep_last=1),
                                       check_mode=False)
    assert removed == planned
    left = backup_repository.list_snapshots(module, repo["repository"], repo["password_file"], "vol5")
    assert [item["short_id"] for item in left] == [ids[2]]
    assert backup_repository.forget(module, repo["repository"], repo["password_file"], "vol9", dict(keep_last=1),
                                    check_mode=False) == []


@pytest.mark.parametrize("value, expected", [("all", "100%"), ("10%", "10%"), ("2.5%", "2.5%"), ("1/5", "1/5")])
def test_data_subset(value, expected):
    assert backup_repository.data_subset(value) == expected


@pytest.mark.parametrize("value", ["0%", "101%", "ten", "-1%", "1/0", "10"])
def test_data_subset_refuses(value):
    with pytest.raises(ValidationError):
        backup_repository.data_subset(value)


@pytest.mark.parametrize("value, expected", [
    ("/srv/backups/restic", "/srv/backups/restic"),
    ("/srv/backups//restic/", "/srv/backups/restic"),
    ("sftp:novabackup@backup1:/srv/restic", "sftp:novabackup@backup1:/srv/restic"),
    ("sftp:backup1.example.org:/srv/restic/./x", "sftp:backup1.example.org:/srv/restic/x"),
    ("sftp:nb@10.77.0.20:/srv/restic", "sftp:nb@10.77.0.20:/srv/restic"),
])
def test_repository_location(value, expected):
    assert backup_repository.repository_location(value) == expected


@pytest.mark.parametrize("value", [
    "srv/restic", "/srv/../etc", "sftp:backup1:srv/restic", "sftp:backup1:/srv/../etc", "sftp:-oProxyCommand=x:/srv",
    "sftp:us er@backup1:/srv", "sftp:backup1", "sftp:@backup1:/srv", "sftp:nb@backup1:/srv\0x", "s3:bucket/x",
])
def test_repository_location_refuses(value):
    with pytest.raises(ValidationError):
        backup_repository.repository_location(value)


def test_a_file_restore_after_a_keep_last_1_prune_finds_the_kept_backup(repo):
    """Issue 15's unexplained failure (a file restore placed after a keep-1 prune once found no
    backup), replayed with restic in the backup scenario's old order: three files backups, the
    policy in check mode, a fourth backup and the policy for real, then a file restore of the
    latest. restic keeps the newest backup of the volume's one group, and the restore finds it."""
    module, tmp = repo["module"], repo["tmp"]
    root = tmp / "mounts"
    (root / "volume" / "data").mkdir(parents=True)
    layout = backup_repository.layout_document("vol7", 1048576, None, [dict(
        member="volume", partition=None, fstype="ext4", label="rsdata", uuid=None, archived=True)])
    (root / backup_repository.LAYOUT_FILE).write_text(json.dumps(layout))
    ids = []
    for run in range(3):
        (root / "volume" / "data" / ("more-%d.bin" % run)).write_bytes(os.urandom(64 * 1024))
        ids.append(back_up_files(repo, root, [backup_repository.LAYOUT_FILE, "volume"], volume="vol7")["snapshot_id"])
    planned = backup_repository.forget(module, repo["repository"], repo["password_file"], "vol7", dict(keep_last=1),
                                       check_mode=True)
    (root / "volume" / "data" / "more-3.bin").write_bytes(os.urandom(64 * 1024))
    ids.append(back_up_files(repo, root, [backup_repository.LAYOUT_FILE, "volume"], volume="vol7")["snapshot_id"])
    removed = backup_repository.forget(module, repo["repository"], repo["password_file"], "vol7", dict(keep_last=1),
                                       check_mode=False)
    assert sorted(item["snapshot_id"][:8] for item in planned) == sorted(ids[:2])
    assert sorted(item["snapshot_id"][:8] for item in removed) == sorted(ids[:3])
    destination = tmp / "restored"
    result = backup_file_restore.restore_files(module, dict(
        repository=repo["repository"], password_file=repo["password_file"], source_volume="vol7", snapshot="latest",
        member=None, paths=["data"], destination=str(destination), force=False))
    assert result["snapshot_id"][:8] == ids[3] and result["member"] == "volume"
    for number in range(4):
        name = "data/more-%d.bin" % number
        assert (destination / name).read_bytes() == (root / "volume" / name).read_bytes()
