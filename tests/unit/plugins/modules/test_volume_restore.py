"""volume_restore through its command table (test_volume_restore.yaml), with a real archive,
checksum file and manifest written on the host for each case."""

import datetime
import hashlib
import json
import pathlib
import subprocess
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_restore
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_target_backend import FakeTargetBackend
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases
from ansible_collections.novavolume.lvm_iscsi.tests.unit.lock_probe import locked
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_volume_backup import substitute

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))
FIXED_NOW = datetime.datetime(2026, 11, 24, 21, 0, 0, tzinfo=datetime.timezone.utc)


def write_backup(folder, layout, corrupt, manifest_layout=None):
    """A backup of `vol1` as volume_backup writes it: archive, .sha1, manifest (whose layout is
    `manifest_layout` instead, when given: a manifest crafted over an honest archive)."""
    source = folder / "source"
    for filesystem in layout["filesystems"]:
        if filesystem["archived"]:
            (source / filesystem["member"] / "data").mkdir(parents=True)
            (source / filesystem["member"] / "data" / "file.txt").write_text("content\n")
    names = backup_archive.backup_names("vol1", FIXED_NOW, "gzip", "sha1")
    archive = folder / names["archive"]
    members = [fs["member"] for fs in layout["filesystems"] if fs["archived"]]
    subprocess.run(["tar", "czf", str(archive), "-C", str(source)] + members, check=True)
    digest = hashlib.sha1(archive.read_bytes()).hexdigest()
    (folder / names["checksum"]).write_text(backup_archive.checksum_line(digest, names["archive"]))
    (folder / names["manifest"]).write_text(json.dumps(dict(
        format=1, volume="vol1", vg="nova-volumes", started_at=backup_common.iso(FIXED_NOW), origin_size=1073741824,
        archive=names["archive"], archive_size=archive.stat().st_size, compression="gzip",
        checksum_algorithm="sha1", checksum=digest, checksum_file=names["checksum"],
        layout=layout if manifest_layout is None else manifest_layout)))
    if corrupt:
        data = bytearray(archive.read_bytes())
        data[len(data) // 2] ^= 0xFF
        archive.write_bytes(bytes(data))
    return archive, digest


@pytest.mark.parametrize("case", CASES)
def test_volume_restore(case, tmp_path, monkeypatch):
    work = tmp_path / "work"
    mapping = {"@WORK@": str(work)}
    if "layout" in case:
        archive, digest = write_backup(tmp_path, case["layout"], case.get("corrupt"), case.get("manifest_layout"))
        mapping.update({"@ARCHIVE@": str(archive), "@SHA@": digest})
    case = substitute(case, mapping)
    monkeypatch.setattr(backup_common, "utc_now", lambda: FIXED_NOW)
    streamed = []
    # `restic dump` of an image streams onto the volume: faked here, run for real in
    # tests/unit/plugins/module_utils/test_backup_repository.py
    monkeypatch.setattr(backup_repository, "run_streamed", lambda argv, stdout_path=None, **_kw: streamed.append(
        dict(argv=argv, stdout_path=stdout_path)))
    # The exports are read to name a new volume (under the volume group's lock of new names, with
    # no volume lock yet) and to describe the restored one (after the restore, no lock but theirs).
    new_names_lock = locks.new_volume_lock("nova-volumes")
    naming = "name" not in case["input"] and "reference" not in case["input"]
    exports_read = []

    class Backend(FakeTargetBackend):
        def exports(self):
            exports_read.append(locked(new_names_lock))
            return super(Backend, self).exports()

    backend = Backend(case.get("exports", []))
    with mock.patch.object(volume_restore, "load_backend", lambda _module, kind: backend):
        result = check_case(volume_restore, case)
    if naming and "commands" in case:
        # the first read names the volume under the lock; the record's read comes once it is released
        assert exports_read[:1] == [True], exports_read
        assert exports_read[1:] == ([] if result.get("failed") or (case.get("flags") or {}).get("check") else [False])
    assert streamed == case.get("streamed", [])
    if work.exists():  # the mount folders are gone again
        assert not list(work.rglob("*")), sorted(map(str, work.rglob("*")))
