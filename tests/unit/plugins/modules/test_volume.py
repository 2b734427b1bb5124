"""The volume module against recorded LVM output (test_volume.yaml) and a faked target backend."""

import json
import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import block_copy
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import volume
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_target_backend import FakeTargetBackend
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import assert_subset, check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


def split_list_expectations(case):
    """The harness compares lists whole; per-volume entries here list only the keys that matter."""
    case = dict(case, output=dict(case.get("output") or {}))
    volumes = case["output"].pop("volumes", None)
    return case, volumes


def with_progress_file(case, tmp_path):
    """A case's progress_file PROGRESS is a file in a folder of tmp_path that does not exist yet
    (the module makes it); returns the case and that path."""
    path = tmp_path / "novavolume" / "copy.progress"
    if (case.get("input") or {}).get("progress_file") == "PROGRESS":
        case = dict(case, input=dict(case["input"], progress_file=str(path)))
    return case, path


@pytest.mark.parametrize("case", CASES)
def test_volume(case, tmp_path):
    case, expected_volumes = split_list_expectations(case)
    case, progress_path = with_progress_file(case, tmp_path)
    absent_in_volume = case["output"].pop("absent_in_volume", [])
    written = []
    real_write_progress = block_copy.write_progress

    def write_progress(path, state):
        assert path == str(progress_path)
        real_write_progress(path, state)
        # What a reader of the file sees at this moment: one whole line of JSON.
        written.append(json.loads(progress_path.read_text()))
    backend = FakeTargetBackend(case["exports"]) if "exports" in case else None

    def load_backend(_module, kind):
        assert backend is not None, "the target backend was loaded, but this case expects no delete or shrink"
        assert kind == case["input"].get("target_backend", "lio")
        return backend

    with mock.patch.object(volume, "load_backend", load_backend), mock.patch.object(
        volume, "utc_now", return_value="2026-11-24T20:40:00Z"
    ), mock.patch.object(block_copy, "write_progress", write_progress):
        result = check_case(volume, case)
    if "progress_copied" in case:
        assert [state["copied"] for state in written] == case["progress_copied"]
        assert all(state["total"] == 1073741824 for state in written)
        # Gone at the end, also after a failure, and no temporary file beside it either.
        assert not progress_path.exists()
        assert not progress_path.parent.exists() or not list(progress_path.parent.iterdir())
    present = [key for key in absent_in_volume if key in result.get("volume", {})]
    assert not present, "the volume's entry holds %r, which this case expects absent" % present
    if expected_volumes is not None:
        assert len(result["volumes"]) == len(expected_volumes), result["volumes"]
        for position, (expected, actual) in enumerate(zip(expected_volumes, result["volumes"])):
            assert_subset(expected, actual, "result.volumes[%d]" % position)
    if "removed_exports" in case:
        assert backend.removed == case["removed_exports"]
