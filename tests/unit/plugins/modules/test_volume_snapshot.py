"""The volume_snapshot module against recorded LVM output (test_volume_snapshot.yaml) and a faked
target backend."""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_snapshot
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_target_backend import FakeTargetBackend
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


@pytest.mark.parametrize("case", CASES)
def test_volume_snapshot(case):
    def load_backend(_module, kind):
        assert "exports" in case, "the target backend was loaded, but this case expects no revert"
        assert kind == case["input"].get("target_backend", "lio")
        return FakeTargetBackend(case["exports"])

    with mock.patch.object(volume_snapshot, "load_backend", load_backend), mock.patch.object(
        volume_snapshot, "utc_now", return_value="2026-11-24T20:40:00Z"
    ):
        check_case(volume_snapshot, case)
