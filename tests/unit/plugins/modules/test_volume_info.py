"""volume_info against recorded LVM output (test_volume_info.yaml) and a faked target backend."""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume_info
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_target_backend import FakeTargetBackend
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import assert_subset, check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))
LISTS = ("volumes", "snapshots", "pools")


@pytest.mark.parametrize("case", CASES)
def test_volume_info(case):
    # The harness compares lists whole; entries here list only the keys that matter.
    output = dict(case.get("output") or {})
    expected_lists = dict((key, output.pop(key)) for key in LISTS if key in output)
    case = dict(case, output=output)

    def load_backend(_module, kind):
        assert kind == case["input"].get("target_backend", "lio")
        return FakeTargetBackend(case.get("exports"))

    with mock.patch.object(volume_info, "load_backend", load_backend):
        result = check_case(volume_info, case)
    for key, expected in expected_lists.items():
        assert len(result[key]) == len(expected), result[key]
        for position, (want, got) in enumerate(zip(expected, result[key])):
            assert_subset(want, got, "result.%s[%d]" % (key, position))
