"""volume_backup_info through its command table (test_volume_backup_info.yaml): the archives are
real files in a temp destination (`archives` of a case: stem -> which of its files to write),
the repository a temp folder with restic's `config` (`repository: true`) and restic's output as
recorded; the real restic is run in tests/unit/plugins/module_utils/test_backup_repository.py."""

import json
import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_backup_info
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_volume_backup import substitute

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


def write_archive(folder, stem, started_at, size, parts):
    """The files volume_backup writes for one backup of vol1 (those named in `parts`)."""
    archive = stem + ".tar.gz"
    if "archive" in parts:
        (folder / archive).write_bytes(b"\0" * size)
    if "checksum" in parts:
        (folder / (archive + ".sha1")).write_text("0" * 40 + "  " + archive + "\n")
    if "manifest" in parts:
        (folder / (stem + ".json")).write_text(json.dumps(dict(
            format=1, volume="vol1", started_at=started_at, origin_size=1073741824, archive=archive, archive_size=size,
            checksum_file=archive + ".sha1")))


@pytest.mark.parametrize("case", CASES)
def test_volume_backup_info(case, tmp_path):
    destination = tmp_path / "volumes"
    folder = destination / "vol1"
    folder.mkdir(parents=True)
    for stem, spec in (case.get("archives") or {}).items():
        write_archive(folder, stem, spec["started_at"], spec["size"], spec["parts"])
    repository = tmp_path / "restic"
    if case.get("repository"):
        repository.mkdir()
        (repository / "config").write_text("restic's config\n")
    check_case(volume_backup_info, substitute(case, {"@DEST@": str(destination), "@REPO@": str(repository)}))
