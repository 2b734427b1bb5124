"""volume_backup_verify through its command table (test_volume_backup_verify.yaml): restic's
check, find and snapshots as recorded; the real restic is exercised in
tests/unit/plugins/module_utils/test_backup_repository.py."""

import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_backup_verify
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


@pytest.mark.parametrize("case", CASES)
def test_volume_backup_verify(case):
    check_case(volume_backup_verify, case)
