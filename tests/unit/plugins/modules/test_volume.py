"""The volume module against recorded LVM output (test_volume.yaml) and a faked target backend."""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_target_backend import FakeTargetBackend
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import assert_subset, check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


def split_list_expectations(case):
    """The harness compares lists whole; per-volume entries here list only the keys that matter."""
    case = dict(case, output=dict(case.get("output") or {}))
    volumes = case["output"].pop("volumes", None)
    return case, volumes


@pytest.mark.parametrize("case", CASES)
def test_volume(case):
    case, expected_volumes = split_list_expectations(case)
    backend = FakeTargetBackend(case["exports"]) if "exports" in case else None

    def load_backend(_module, kind):
        assert backend is not None, "the target backend was loaded, but this case expects no delete or shrink"
        assert kind == case["input"].get("target_backend", "lio")
        return backend

    with mock.patch.object(volume, "load_backend", load_backend), mock.patch.object(
        volume, "utc_now", return_value="2026-11-24T20:40:00Z"
    ):
        result = check_case(volume, case)
    if expected_volumes is not None:
        assert len(result["volumes"]) == len(expected_volumes), result["volumes"]
        for position, (expected, actual) in enumerate(zip(expected_volumes, result["volumes"])):
            assert_subset(expected, actual, "result.volumes[%d]" % position)
    if "removed_exports" in case:
        assert backend.removed == case["removed_exports"]
