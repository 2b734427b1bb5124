"""iscsi_session from the table in test_iscsi_session.yaml, with the fake host view of tests/unit/fake_host.py."""

import pathlib

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.modules import iscsi_session
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_host import FakeHostView, host_view_faked_by
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

HERE = pathlib.Path(__file__).parent


@pytest.mark.parametrize("case", load_cases(HERE / "test_iscsi_session.yaml"))
def test_iscsi_session(case):
    view = FakeHostView(case.get("host"))
    with host_view_faked_by(view):
        result = check_case(iscsi_session, case)
    if "deleted" in case:
        assert view.deleted == case["deleted"]
    shown = dict((key, value) for key, value in result.items() if key != "_commands_ran")
    assert "Zq8xV2mK7pL4rT9w" not in repr(shown), "the CHAP secret leaked into the result"
