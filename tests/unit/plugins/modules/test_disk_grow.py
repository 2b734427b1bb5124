"""disk_grow from the table in test_disk_grow.yaml, with the fake host view of tests/unit/fake_host.py."""

import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import disk_grow
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_host import FakeHostView, host_view_faked_by
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

HERE = pathlib.Path(__file__).parent


@pytest.mark.parametrize("case", load_cases(HERE / "test_disk_grow.yaml"))
def test_disk_grow(case):
    with host_view_faked_by(FakeHostView(case.get("host"))):
        check_case(disk_grow, case)
