"""Run a module's main() against a table of expected commands, as data.

A test case (kept in a YAML file beside the test) gives the module's input, the commands the
module must run in order (argv list, with the recorded rc/stdout/stderr each returns) and the
expected result. The module's binaries resolve to /testbin/NAME. Running a command that is not
next in the table, or leaving one of them unrun (also when the module fails), fails the test: no
other command may run.

    test_cases:
      - id: create_volume
        input: {name: volume-1, size: 10}
        flags: {check: false, diff: false}
        commands:
          - command: [/testbin/lvs, --reportformat, json, ...]
            rc: 0
            out: '{"report": [...]}'
            err: ''
            signal: SIGTERM             # optional: sent to the test process as it returns
        output:
          changed: true
          msg_contains: created         # optional: a substring of msg
          absent: [record]              # optional: keys the result must not hold
          failed: false                 # default; true expects fail_json
"""

import contextlib
import json
import os
import pathlib
import signal
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class CommandTable:
    """The commands a case expects, consumed in order by the patched run_command."""

    def __init__(self, expected):
        self.expected = list(expected or [])
        self.ran = []

    def run_command(self, _module, args, data=None, **_kwargs):
        argv = [str(word) for word in args]
        position = len(self.ran)
        if not self.expected:
            raise AssertionError("unexpected command #%d: %r (the table has no more)" % (position + 1, argv))
        step = self.expected.pop(0)
        want = [str(word) for word in step["command"]]
        if argv != want:
            raise AssertionError("command #%d differs\n  expected: %r\n  got:      %r" % (position + 1, want, argv))
        if "data" in step and data != step["data"]:
            raise AssertionError("command #%d stdin differs: expected %r, got %r" % (position + 1, step["data"], data))
        self.ran.append(argv)
        if "signal" in step:  # the run is told to stop while this command runs
            os.kill(os.getpid(), getattr(signal, step["signal"]))
        return step.get("rc", 0), step.get("out", ""), step.get("err", "")


def run_module(module, args, commands=(), check_mode=False, diff=False):
    """Run `module.main()` with `args`; return its result dict (failed=True on fail_json)."""
    table = CommandTable(commands)
    params = dict(args or {})
    params["_ansible_check_mode"] = check_mode
    params["_ansible_diff"] = diff

    def exit_json(_self, **result):
        result.setdefault("failed", False)
        raise ModuleExit(result)

    def fail_json(_self, msg=None, **result):
        result.update(failed=True, msg=msg)
        raise ModuleExit(result)

    def get_bin_path(_self, name, required=False, opt_dirs=None):
        return "/testbin/" + name

    with contextlib.ExitStack() as stack:
        stack.enter_context(patch_module_args(params))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, "exit_json", exit_json))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, "fail_json", fail_json))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, "get_bin_path", get_bin_path))

        # A plain function, so that Python binds the module instance as its first argument.
        def run_command(module, *args, **kwargs):
            return table.run_command(module, *args, **kwargs)

        stack.enter_context(mock.patch.object(basic.AnsibleModule, "run_command", run_command))
        with pytest.raises(ModuleExit) as exited:
            module.main()
    result = exited.value.result
    if table.expected:
        raise AssertionError("commands left unrun: %r" % ([step["command"] for step in table.expected],))
    result["_commands_ran"] = table.ran
    return result


def assert_subset(expected, actual, path="result"):
    """Every key in `expected` must be in `actual` with an equal value (recursively for dicts)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), "%s: expected a dict, got %r" % (path, actual)
        for key, value in expected.items():
            assert key in actual, "%s: missing key %r in %r" % (path, key, sorted(actual))
            assert_subset(value, actual[key], "%s.%s" % (path, key))
    else:
        assert expected == actual, "%s: expected %r, got %r" % (path, expected, actual)


def load_cases(yaml_path):
    """pytest params, one per case of a YAML table, named by the case's id."""
    data = yaml.safe_load(pathlib.Path(yaml_path).read_text())
    return [pytest.param(case, id=case["id"]) for case in data["test_cases"]]


def check_case(module, case):
    """Run one case of a table and assert its expected output; return the result."""
    flags = case.get("flags") or {}
    result = run_module(
        module,
        case.get("input"),
        case.get("commands"),
        check_mode=flags.get("check", False),
        diff=flags.get("diff", False),
    )
    expected = dict(case.get("output") or {})
    msg_contains = expected.pop("msg_contains", None)
    absent = expected.pop("absent", [])  # keys the result must not hold
    expected.setdefault("failed", False)
    if msg_contains is not None:
        assert msg_contains in (result.get("msg") or ""), "msg %r lacks %r" % (result.get("msg"), msg_contains)
    present = [key for key in absent if key in result]
    assert not present, "the result holds %r, which this case expects absent" % present
    try:
        assert_subset(expected, result)
    except AssertionError as error:
        raise AssertionError("%s\nfull result: %s" % (error, json.dumps(result, indent=2, default=str))) from None
    return result
