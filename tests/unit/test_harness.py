"""The harness itself: a command out of order, or one left unrun, fails the test."""

import types

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.tests.unit import harness


def _module_running(*argvs):
    def main():
        module = AnsibleModule(argument_spec=dict(name=dict(type="str")), supports_check_mode=True)
        for argv in argvs:
            module.run_command([module.get_bin_path(argv[0])] + argv[1:])
        module.exit_json(changed=bool(argvs), name=module.params["name"], check=module.check_mode)

    return types.SimpleNamespace(main=main)


def test_matching_table_passes_and_reports_commands():
    module = _module_running(["lvs", "-a"])
    result = harness.run_module(module, {"name": "x"}, [{"command": ["/testbin/lvs", "-a"], "out": "ok"}], check_mode=True)
    assert result["changed"] and result["name"] == "x" and result["check"]
    assert result["_commands_ran"] == [["/testbin/lvs", "-a"]]


def test_unexpected_command_fails():
    module = _module_running(["lvremove", "vg/lv"])
    with pytest.raises(AssertionError, match="differs"):
        harness.run_module(module, {}, [{"command": ["/testbin/lvs"]}])


def test_extra_command_fails():
    module = _module_running(["lvs"], ["lvremove", "vg/lv"])
    with pytest.raises(AssertionError, match="unexpected command #2"):
        harness.run_module(module, {}, [{"command": ["/testbin/lvs"]}])


def test_unrun_command_fails():
    module = _module_running()
    with pytest.raises(AssertionError, match="left unrun"):
        harness.run_module(module, {}, [{"command": ["/testbin/lvs"]}])


def test_check_case_compares_subset_and_message():
    module = _module_running()
    harness.check_case(module, {"id": "x", "input": {"name": "n"}, "output": {"changed": False, "name": "n"}})
    with pytest.raises(AssertionError, match="expected 'other'"):
        harness.check_case(module, {"id": "x", "input": {"name": "n"}, "output": {"name": "other"}})
