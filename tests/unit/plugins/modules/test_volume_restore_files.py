"""volume_restore with paths (single files from a files backup in the repository) through its
command table (test_volume_restore_files.yaml). The destination is a real folder in a temp
folder (@DEST@; `existing` of a case: files it holds before), and the temporary folder beside it
gets a fixed name (@TEMP@) so that the argv is known; the `restic restore` step of a case writes
its `writes` (paths under --target) as restic would. `expect_files` is what the destination holds
afterwards (path -> content), and nothing else. With a pack (@PACK@, a file beside the
destination), `expect_pack` says whether it is there afterwards (mode 0600)."""

import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_file_restore
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_restore
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_restore_folders import files_under, fixed_temp_folder, writes_of_steps
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_volume_backup import substitute

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


@pytest.mark.parametrize("case", CASES)
def test_volume_restore_files(case, tmp_path, monkeypatch):
    parent = tmp_path / "restores"
    parent.mkdir()
    destination, temp, pack = parent / "vol1", parent / ".novavolume-restore-test", parent / "vol1.tar.gz"
    for name, content in (case.get("existing") or {}).items():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        (destination / name).write_text(content)
    if case.get("existing_pack"):
        pack.write_text("someone else's")
    case = substitute(case, {"@DEST@": str(destination), "@TEMP@": str(temp), "@PACK@": str(pack)})

    fixed_temp_folder(monkeypatch, backup_file_restore.tempfile, parent, temp)
    writes_of_steps(monkeypatch, lambda argv: argv[argv.index("--target") + 1], "restored ")
    check_case(volume_restore, case)
    assert not temp.exists(), "the temporary folder is left"
    if "expect_files" in case:
        assert files_under(destination) == case["expect_files"]
    else:
        assert files_under(destination) == (case.get("existing") or {}), "the destination changed"
    if "expect_pack" in case:
        assert pack.exists() == case["expect_pack"]
        if case["expect_pack"] and not case.get("existing_pack"):
            assert oct(pack.stat().st_mode & 0o777) == "0o600"
    if case.get("expect_mode") is not None:
        assert oct(destination.stat().st_mode & 0o777) == case["expect_mode"]
