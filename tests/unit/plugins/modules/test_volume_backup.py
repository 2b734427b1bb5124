"""volume_backup through its command table (test_volume_backup.yaml).

The streaming pipeline is replaced by a fake that writes a small archive and calls the
snapshot watch as often as the case says; the real pipeline is tested in
tests/unit/plugins/module_utils/test_backup.py.
"""

import datetime
import hashlib
import json
import os
import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_backup
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import assert_subset, check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))
FIXED_NOW = datetime.datetime(2026, 11, 24, 21, 0, 0, tzinfo=datetime.timezone.utc)
ARCHIVE = b"fake archive bytes"


def substitute(value, mapping):
    if isinstance(value, str):
        for key, replacement in mapping.items():
            value = value.replace(key, replacement)
        return value
    if isinstance(value, list):
        return [substitute(item, mapping) for item in value]
    if isinstance(value, dict):
        return dict((key, substitute(item, mapping)) for key, item in value.items())
    return value


def fake_pipeline(spec, seen):
    def stream_archive(producer, compressor, temp_path, algorithm, watch=None, watch_interval=2.0):
        seen.update(producer=producer, compressor=compressor, temp=temp_path)
        with open(temp_path, "xb") as handle:
            handle.write(ARCHIVE)
        try:
            for _call_number in range(spec.get("watch_calls", 0)):
                watch()
            if spec.get("fail"):
                raise backup_common.BackupError(spec["fail"])
        except Exception:
            os.unlink(temp_path)
            raise
        return dict(size=len(ARCHIVE), checksum=hashlib.new(algorithm, ARCHIVE).hexdigest())

    return stream_archive


def fake_restic(spec, seen):
    """restic backup (format repository) as run_streamed runs it: records what it was given and
    the layout.json beside the mounts at that moment, calls the watch, prints the summary."""
    def run_streamed(argv, stdin_path=None, stdout_path=None, cwd=None, watch=None, watch_interval=2.0):
        layout = os.path.join(cwd, backup_repository.LAYOUT_FILE) if cwd else None
        seen.update(restic=argv, stdin_path=stdin_path, cwd=cwd,
                    layout=json.loads(open(layout).read()) if layout and os.path.exists(layout) else None)
        for _call_number in range(spec.get("watch_calls", 0)):
            watch()
        if spec.get("fail"):
            raise backup_common.BackupError(spec["fail"])
        return '{"message_type":"summary","data_added":1234,"total_bytes_processed":5678,"snapshot_id":"abcd1234"}\n'

    return run_streamed


@pytest.mark.parametrize("case", CASES)
def test_volume_backup(case, tmp_path, monkeypatch):
    dest, work = tmp_path / "dest", tmp_path / "work"
    case = substitute(case, {"@DEST@": str(dest), "@WORK@": str(work), "@PW@": str(tmp_path / "password")})
    seen = {}
    monkeypatch.setattr(backup_archive, "stream_archive", fake_pipeline(case.get("pipeline") or {}, seen))
    monkeypatch.setattr(backup_common, "utc_now", lambda: FIXED_NOW)
    monkeypatch.setattr(backup_repository, "run_streamed", fake_restic(case.get("restic") or {}, seen))
    (tmp_path / "password").write_text("secret\n")
    for name, content in (case.get("existing") or {}).items():  # what earlier runs left there
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(content)
    result = check_case(volume_backup, case)
    for name, content in (case.get("existing") or {}).items():
        assert (dest / name).read_text() == content, "%s was replaced" % name
    if "statuses" in case:
        assert dict((entry["volume"], entry["status"]) for entry in result["report"]["volumes"]) == case["statuses"]

    if "entries" in case:
        assert len(result["report"]["volumes"]) == len(case["entries"])
        for number, expected in enumerate(case["entries"]):
            assert_subset(expected, result["report"]["volumes"][number], "report.volumes[%d]" % number)
    if "report_contains" in case:
        assert case["report_contains"] in result["report_text"], result["report_text"]
    restic = case.get("restic") or {}
    if "argv" in restic:
        assert seen["restic"] == restic["argv"], seen["restic"]
        assert (seen["stdin_path"], seen["cwd"]) == (restic.get("stdin_path"), restic.get("cwd"))
        assert_subset(restic.get("layout"), seen["layout"], "layout.json")
    spec = case.get("pipeline") or {}
    if "tar_members" in spec:
        assert seen["producer"][-len(spec["tar_members"]) - 1:] == ["--"] + spec["tar_members"]
    for exclude in spec.get("tar_excludes", []):
        assert exclude in seen["producer"]
    for name in case.get("files", []):
        assert (dest / name).is_file(), "%s missing; destination has %r" % (name, sorted(
            str(p.relative_to(dest)) for p in dest.rglob("*")))
    for folder in case.get("no_files_in", []):
        assert not [p for p in (dest / folder).rglob("*") if p.is_file() and p.name != "backup-report.txt"] \
            if (dest / folder).exists() else True
    if work.exists():  # every mount folder this run made is gone again
        assert not list(work.rglob("*")), sorted(map(str, work.rglob("*")))
    archives = [name for name in case.get("files", []) if name.endswith((".tar.gz", ".tar.zst"))]
    for name in archives:
        archive = dest / name
        algorithm = case["input"].get("checksum", "sha1")
        line = (dest / (name + "." + algorithm)).read_text()
        assert line == "%s  %s\n" % (hashlib.new(algorithm, ARCHIVE).hexdigest(), archive.name)
        assert not list(archive.parent.glob(".*")), "temp files left"
    if "manifest" in case:
        manifest = json.loads(next(dest.rglob("*.json")).read_text())
        assert_subset(case["manifest"], manifest, "manifest")
        assert manifest["started_at"] == "2026-11-24T21:00:00Z"
        assert manifest["tool_version"] == backup_archive.TOOL_VERSION
