import os
import signal
import threading

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError, CommandRunner


class FakeModule:
    def __init__(self, results):
        self.results = list(results)
        self.calls = []

    def get_bin_path(self, name, required=False):
        return "/testbin/" + name

    def run_command(self, argv, data=None, environ_update=None, check_rc=False, handle_exceptions=True):
        assert not handle_exceptions, "AnsibleModule's catch-all would swallow a stop signal's exception"
        self.calls.append((argv, data, environ_update, check_rc))
        return self.results.pop(0)


def make_runner(module, **kwargs):
    return CommandRunner(
        module,
        "lvcreate",
        dict(
            yes=fmt.fixed("--yes"),
            name=fmt.opt_val("-n"),
            wipe=fmt.flag(["-W", "y"], ["-W", "n"]),
            tags=fmt.repeated("--addtag"),
            mode=fmt.opt_eq_val("--mode"),
            vg=fmt.positional(),
        ),
        **kwargs
    )


def test_argv_in_the_order_asked_and_none_left_out():
    module = FakeModule([(0, "out", "")])
    runner = make_runner(module)
    assert runner.run("yes name wipe tags mode vg", yes=True, name="v1", wipe=False, tags=["a", "b"], vg="vg0") == (0, "out", "")
    argv, _data, environ, check_rc = module.calls[0]
    assert argv == ["/testbin/lvcreate", "--yes", "-n", "v1", "-W", "n", "--addtag", "a", "--addtag", "b", "vg0"]
    assert environ == {"LANG": "C", "LC_ALL": "C"} and check_rc is False


def test_flag_none_gives_nothing_and_eq_val():
    runner = make_runner(FakeModule([]))
    assert runner.argv("wipe mode vg", wipe=None, mode="x", vg=["a", "b"]) == ["/testbin/lvcreate", "--mode=x", "a", "b"]


def test_unknown_argument_is_a_programming_error():
    with pytest.raises(ValueError, match="no argument named"):
        make_runner(FakeModule([])).argv("size")


def test_failure_raises_with_last_stderr_line():
    runner = make_runner(FakeModule([(5, "", "WARNING: x\n  Volume group \"vg0\" not found\n")]))
    with pytest.raises(CommandError) as error:
        runner.run("vg", vg="vg0")
    assert 'Volume group "vg0" not found' in str(error.value)
    assert error.value.fail_json_kwargs()["rc"] == 5


def test_benign_return_codes_do_not_raise():
    runner = make_runner(FakeModule([(5, "", "not found")]), benign_rcs=(0, 5))
    assert runner.run("vg", vg="vg0")[0] == 5


def test_name_value_pairs_in_the_order_given():
    runner = CommandRunner(FakeModule([]), "iscsiadm", dict(settings=fmt.name_value_pairs("-n", "-v")))
    assert runner.argv("settings", settings=[("a.b", "x"), ("c", 3)]) == ["/testbin/iscsiadm", "-n", "a.b", "-v", "x", "-n", "c", "-v", "3"]
    assert runner.argv("settings", settings=None) == ["/testbin/iscsiadm"]


def test_a_stop_signal_while_a_command_runs_reaches_the_caller_through_a_real_ansible_module():
    """AnsibleModule.run_command, left to itself, turns any exception into fail_json("Error
    executing command."): the backup's Terminated must get through, so that its clean-up runs."""
    with patch_module_args({}):
        module = basic.AnsibleModule(argument_spec={})
    runner = CommandRunner(module, "sleep", dict(seconds=fmt.positional()))
    stopper = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    with backup_common.stop_cleanly_on_signals():
        stopper.start()
        with pytest.raises(backup_common.Terminated, match="stopped by SIGTERM"):
            runner.run("seconds", seconds=3)
    stopper.join()


def test_a_command_that_cannot_be_started_is_a_command_error():
    with patch_module_args({}):
        module = basic.AnsibleModule(argument_spec={})
    runner = CommandRunner(module, "true", {})
    runner._binary = "/nonexistent/true"
    with pytest.raises(CommandError, match=r"rc=127"):
        runner.run([])
