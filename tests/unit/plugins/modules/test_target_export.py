"""target_export with the tgt backend, from the table in test_target_export.yaml."""

import pathlib
from unittest import mock

import pytest
import yaml

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import base
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import target_export
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

HERE = pathlib.Path(__file__).parent
NEW_CREDENTIALS = ("nv-myvolume-5e6f7a8b", "Hn3bC6dF1gJ5kM8s")
NEW_MUTUAL_CREDENTIALS = ("nvt-myvolume-9c8d7e6f", "Wm4nQ7rS2tV5xY8zA3bC6dE9fG1hJ4kL")


class FakeFiles:
    """In-memory stand-in for targets.base.LocalFiles: {path: [text, mode]}."""

    def __init__(self, files=None):
        self.files = dict((path, list(entry)) for path, entry in (files or {}).items())

    def read(self, path):
        return self.files[path][0] if path in self.files else None

    def write_private(self, path, text):
        self.files[path] = [text, 0o600]

    def remove(self, path):
        self.files.pop(path, None)

    def makedirs(self, directory):
        pass

    def chmod_private(self, path):
        self.files[path][1] = 0o600

    def mode(self, path):
        return self.files[path][1] if path in self.files else None


def run_case(case, extra_patches=()):
    files = FakeFiles(case.get("files"))
    with mock.patch.object(base, "LocalFiles", lambda: files), mock.patch.object(
        target_export, "new_chap_credentials", lambda volume, prefix="nv": NEW_CREDENTIALS if prefix == "nv" else NEW_MUTUAL_CREDENTIALS
    ):
        for patch in extra_patches:
            patch.start()
        try:
            result = check_case(target_export, case)
        finally:
            for patch in extra_patches:
                patch.stop()
    if "files_after" in case:
        assert files.files == case["files_after"]
    return result


@pytest.mark.parametrize("case", load_cases(HERE / "test_target_export.yaml"))
def test_target_export_tgt(case):
    result = run_case(case)
    if result.get("failed"):
        # A failure never carries the secret: neither in its fields nor in a failed command's argv.
        shown = dict((key, value) for key, value in result.items() if key != "_commands_ran")
        assert NEW_CREDENTIALS[1] not in repr(shown) and NEW_MUTUAL_CREDENTIALS[1] not in repr(shown)


class FakeClock:
    """Stands in for the time module of targets.base: sleep moves monotonic on at once, and
    `on_sleep` (if given) is what happens meanwhile."""

    def __init__(self, on_sleep=None):
        self.now, self.on_sleep, self.sleeps = 1000.0, on_sleep, 0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.sleeps += 1
        if self.on_sleep:
            self.on_sleep()


TABLE = dict((case["id"], case) for case in yaml.safe_load((HERE / "test_target_export.yaml").read_text())["test_cases"])
LVS, SHOW_LOGGED_IN = TABLE["tgt_absent_in_use_refused"]["commands"]
SHOW_LOGGED_OUT = TABLE["tgt_absent"]["commands"][1]


def test_absent_waits_for_the_logout_then_removes():
    # The compute host logs out during the wait (a detach on both hosts at once): the reads of
    # the wait come first, outside the locks; under them the target is read again.
    done = TABLE["tgt_absent"]
    case = dict(done, input=dict(done["input"], logout_wait=15), commands=[SHOW_LOGGED_IN, SHOW_LOGGED_OUT] + done["commands"])
    clock = FakeClock()
    result = run_case(case, [mock.patch.object(base, "time", clock)])
    assert result["changed"] and clock.sleeps == 1


def test_absent_still_logged_in_after_the_wait_is_refused():
    refused = TABLE["tgt_absent_in_use_refused"]
    output = dict(refused["output"], msg_contains="is logged in to iqn.2010-10.org.openstack:myvolume (still after 1s)")
    # 0.2 s between reads: six reads in one second, the last at its end
    case = dict(refused, input=dict(refused["input"], logout_wait=1), commands=[SHOW_LOGGED_IN] * 6 + [LVS, SHOW_LOGGED_IN],
                output=output)
    clock = FakeClock()
    run_case(case, [mock.patch.object(base, "time", clock)])
    assert clock.sleeps == 5


def test_absent_check_mode_does_not_wait():
    check = TABLE["tgt_absent_check"]
    clock = FakeClock()
    run_case(dict(check, input=dict(check["input"], logout_wait=15)), [mock.patch.object(base, "time", clock)])
    assert clock.sleeps == 0


@pytest.mark.parametrize("wait", [-1, 601])
def test_logout_wait_out_of_bounds_is_refused_before_anything_runs(wait):
    case = dict(id="wait", input=dict(volume="myvolume", backend="tgt", state="absent", logout_wait=wait), commands=[],
                output=dict(failed=True, msg_contains="invalid logout_wait %d: 0 to 600 seconds" % wait))
    run_case(case)
