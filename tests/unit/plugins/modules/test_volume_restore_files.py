"""volume_restore with paths (single files from a files backup in the repository) through its
command table (test_volume_restore_files.yaml). The destination is a real folder in a temp
folder (@DEST@; `existing` of a case: files it holds before), and the temporary folder beside it
gets a fixed name (@TEMP@) so that the argv is known; the `restic restore` step of a case writes
its `writes` (paths under --target) as restic would. `expect_files` is what the destination holds
afterwards (path -> content), and nothing else."""

import os
import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_file_restore
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_restore
from ansible_collections.novavolume.lvm_iscsi.tests.unit import harness
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_volume_backup import substitute

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


def files_under(folder):
    return dict((str(path.relative_to(folder)), path.read_text()) for path in sorted(folder.rglob("*")) if path.is_file())


@pytest.mark.parametrize("case", CASES)
def test_volume_restore_files(case, tmp_path, monkeypatch):
    parent = tmp_path / "restores"
    parent.mkdir()
    destination, temp = parent / "vol1", parent / ".novavolume-restore-test"
    for name, content in (case.get("existing") or {}).items():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        (destination / name).write_text(content)
    case = substitute(case, {"@DEST@": str(destination), "@TEMP@": str(temp)})

    def mkdtemp(prefix, dir):  # noqa: A002 (tempfile's own argument name)
        assert prefix == ".novavolume-restore-" and dir == str(parent)
        temp.mkdir()
        return str(temp)

    monkeypatch.setattr(backup_file_restore.tempfile, "mkdtemp", mkdtemp)
    original = harness.CommandTable.run_command

    def run_command(table, module, args, data=None, **kwargs):
        step = table.expected[0] if table.expected else {}
        answer = original(table, module, args, data=data, **kwargs)
        for name in step.get("writes") or []:
            target = pathlib.Path(args[args.index("--target") + 1]) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("restored " + os.path.basename(name))
        return answer

    monkeypatch.setattr(harness.CommandTable, "run_command", run_command)
    check_case(volume_restore, case)
    assert not temp.exists(), "the temporary folder is left"
    if "expect_files" in case:
        assert files_under(destination) == case["expect_files"]
    else:
        assert files_under(destination) == (case.get("existing") or {}), "the destination changed"
    if case.get("expect_mode") is not None:
        assert oct(destination.stat().st_mode & 0o777) == case["expect_mode"]
