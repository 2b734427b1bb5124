"""files_unpack through its command table (test_files_unpack.yaml). The destination is a real
folder in a temp folder (@DEST@; `existing` of a case: files it holds before), the pack a real
file beside it (@PACK@, unless `no_pack`), and the temporary folder beside the destination gets a
fixed name (@TEMP@) so that the argv is known; the `tar --extract` step of a case writes its
`writes` (paths under --directory) as tar would. `expect_files` is what the destination holds
afterwards (path -> content), and nothing else; `expect_pack` whether the pack is still there."""

import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import files_unpack
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_restore_folders import files_under, fixed_temp_folder, writes_of_steps
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_volume_backup import substitute

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


@pytest.mark.parametrize("case", CASES)
def test_files_unpack(case, tmp_path, monkeypatch):
    parent = tmp_path / "srv"
    parent.mkdir()
    destination, temp, pack = parent / "restored", parent / ".novavolume-restore-test", parent / ".pack.tar.gz"
    for name, content in (case.get("existing") or {}).items():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        (destination / name).write_text(content)
    if not case.get("no_pack"):
        pack.write_text("a pack")
    case = substitute(case, {"@DEST@": str(destination), "@TEMP@": str(temp), "@PACK@": str(pack)})

    fixed_temp_folder(monkeypatch, files_unpack.tempfile, parent, temp)
    writes_of_steps(monkeypatch, lambda argv: next(arg for arg in argv if arg.startswith("--directory=")).split("=", 1)[1],
                    "unpacked ")
    check_case(files_unpack, case)
    assert not temp.exists(), "the temporary folder is left"
    if "expect_files" in case:
        assert files_under(destination) == case["expect_files"]
    else:
        assert files_under(destination) == (case.get("existing") or {}), "the destination changed"
    if case.get("expect_mode") is not None:
        assert oct(destination.stat().st_mode & 0o777) == case["expect_mode"]
    if "expect_pack" in case:
        assert pack.exists() == case["expect_pack"]
