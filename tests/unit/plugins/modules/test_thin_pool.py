"""The thin_pool module against recorded LVM output (test_thin_pool.yaml)."""

import pathlib

import pytest
from ansible.module_utils.common.warnings import get_warning_messages

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import thin_pool
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


@pytest.mark.parametrize("case", CASES)
def test_thin_pool(case):
    # module.warn() keeps warnings process-wide until exit_json, which the harness replaces.
    earlier = len(get_warning_messages())
    check_case(thin_pool, case)
    warnings = get_warning_messages()[earlier:]
    if "warnings_contain" in case:
        assert any(case["warnings_contain"] in warning for warning in warnings), warnings
