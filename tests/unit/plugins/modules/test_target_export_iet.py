"""target_export with the iet backend, from the table in test_target_export_iet.yaml.

The iSCSI Enterprise Target is not packaged by any distribution here, so these recorded-format
cases are all the testing the iet backend gets.
"""

import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import load_cases
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_target_export import run_case

HERE = pathlib.Path(__file__).parent


@pytest.mark.parametrize("case", load_cases(HERE / "test_target_export_iet.yaml"))
def test_target_export_iet(case):
    run_case(case)
