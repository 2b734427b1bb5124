"""uml_host from the table in test_uml_host.yaml, with the guest's processes, the clock and SSH faked.

"{tmp}" in a case stands for a fresh temporary folder; HOME points to {tmp}/home, so UML's own
folder of the guest is {tmp}/home/.uml/<umid>. The files are real; what is faked is narrow:
lab.guest_pids, lab.spawn_detached, lab.kill_pids, lab.enter_netns, lab.ssh_banner, the module's
clock (sleep advances it) and NETNS_RUN_DIR. Besides the harness's input/commands/output, a case
gives the world before the run:
  image: true / kernel: true / namespace: true    {tmp}/images/root.img exists, {tmp}/linux.uml
                                                  exists and is executable, the namespace exists
  files: {path: text}         more files (path relative to {tmp}; ending in / = a folder)
  symlinks: {path: target}
  running: [4242, 4243]       the guest's host processes before the run
  process: {exit_status: 1} or {vanishes: true}   what becomes of a guest this run starts
  console: text               what a started guest writes to its console log
  ssh: [null, SSH-2.0-...]    answers of successive SSH probes (null: no answer; the last repeats)
  survivors: [4243]           what kill_pids reports as still alive
and what must have happened:
  lab_calls: [guest_pids]     the faked lab functions called, in order ([]: input refused first)
  files_unchanged: true       no file or folder made, changed or removed
  spawned: {cwd: ..., log: ...}   a guest was started, from that folder, logging there (argv is
                              compared with the result's `command`); without it no guest starts
  killed: [[4242, 4243]]      kill_pids calls
  probed: [address, port]     every SSH probe went there (and there was one); probes: N how many
  entered: [novalab]          the network namespaces entered for probing
  files_after: {path: text | true | null}   exact content / exists / does not exist
  sizes: {path: bytes}
  warnings: [substring]       one per warning, in order (default: no warning)
  result_lacks: [key]
"""

import os
import pathlib
import stat
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.novavolume.lab.plugins.module_utils import lab
from ansible_collections.novavolume.lab.plugins.modules import uml_host
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))
STARTED_PID = 5001


def fill(value, tmp):
    """The case with {tmp} replaced by the temporary folder, at any depth."""
    if isinstance(value, str):
        return value.replace("{tmp}", tmp)
    if isinstance(value, list):
        return [fill(item, tmp) for item in value]
    if isinstance(value, dict):
        return dict((fill(key, tmp), fill(item, tmp)) for key, item in value.items())
    return value


class FakeProcess:
    def __init__(self, exit_status):
        self.pid = STARTED_PID
        self.returncode = exit_status

    def poll(self):
        return self.returncode


class FakeGuest:
    """The guest's processes and its SSH server, as the lab functions report them."""

    def __init__(self, case):
        self.case = case
        self.umid = "%s-%s" % (case["input"].get("lab_name", "novalab"), case["input"]["name"])
        self.running = list(case.get("running", []))
        self.answers = list(case.get("ssh", [None]))
        self.calls, self.spawned, self.killed, self.probes, self.entered = [], [], [], [], []

    def guest_pids(self, umid):
        self.calls.append("guest_pids")
        assert umid == self.umid
        return list(self.running)

    def spawn_detached(self, argv, log_path, cwd):
        self.calls.append("spawn_detached")
        process = self.case.get("process", {})
        with open(log_path, "w") as log:
            log.write(self.case.get("console", ""))
        self.spawned.append({"argv": argv, "log": log_path, "cwd": cwd})
        self.running = [] if process.get("vanishes") else [STARTED_PID]
        return FakeProcess(process.get("exit_status"))

    def kill_pids(self, pids, timeout=10.0):
        self.calls.append("kill_pids")
        self.killed.append(list(pids))
        self.running = list(self.case.get("survivors", []))
        return list(self.running)

    def enter_netns(self, name):
        self.calls.append("enter_netns")
        self.entered.append(name)

    def ssh_banner(self, address, port, timeout=2.0):
        self.calls.append("ssh_banner")
        self.probes.append([address, port])
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class FakeClock:
    """Stands in for the module's `time`: sleeping moves the clock on, nothing waits."""

    def __init__(self):
        self.now = 1000000.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def make_world(case, tmp):
    (tmp / "home").mkdir()
    (tmp / "netns").mkdir()
    if case.get("namespace"):
        (tmp / "netns" / case["input"].get("lab_name", "novalab")).write_text("")
    if case.get("image"):
        (tmp / "images").mkdir()
        (tmp / "images" / "root.img").write_text("root file system")
    if "kernel" in case:
        kernel = tmp / "linux.uml"
        kernel.write_text("#!/bin/false\n")
        kernel.chmod(0o755 if case["kernel"] else 0o644)
    for path, text in (case.get("files") or {}).items():
        target = tmp / path
        if path.endswith("/"):
            target.mkdir(parents=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    for path, points_to in (case.get("symlinks") or {}).items():
        (tmp / path).symlink_to(points_to)


def snapshot(tmp):
    """Every path under tmp with its content (None for folders and links)."""
    return sorted(
        (str(path.relative_to(tmp)), path.read_bytes() if path.is_file() and not path.is_symlink() else None)
        for path in tmp.rglob("*")
    )


def check_files(case, tmp):
    for path, want in (case.get("files_after") or {}).items():
        target = tmp / path
        if want is None:
            assert not os.path.lexists(str(target)), "%s should not exist" % path
        elif want is True:
            assert target.exists(), "%s should exist" % path
        else:
            assert target.read_text() == want, path
    for path, size in (case.get("sizes") or {}).items():
        info = (tmp / path).stat()
        assert stat.S_ISREG(info.st_mode) and info.st_size == size, (path, info.st_size)


@pytest.mark.parametrize("case", CASES)
def test_uml_host(case, tmp_path, monkeypatch):
    tmp = tmp_path.resolve()
    case = fill(case, str(tmp))
    make_world(case, tmp)
    before = snapshot(tmp)
    guest = FakeGuest(case)
    warnings = []
    monkeypatch.setenv("HOME", str(tmp / "home"))
    monkeypatch.setattr(lab, "NETNS_RUN_DIR", str(tmp / "netns"))
    for name in ("guest_pids", "spawn_detached", "kill_pids", "enter_netns", "ssh_banner"):
        monkeypatch.setattr(lab, name, getattr(guest, name))
    monkeypatch.setattr(uml_host, "time", FakeClock())

    with mock.patch.object(basic.AnsibleModule, "warn", lambda _module, text: warnings.append(text)):
        result = check_case(uml_host, case)

    if "lab_calls" in case:
        assert guest.calls == case["lab_calls"]
    if case.get("files_unchanged"):
        assert snapshot(tmp) == before, "no file may be made or removed here"
    if "spawned" in case:
        assert len(guest.spawned) == 1, guest.spawned
        spawned = guest.spawned[0]
        assert spawned["argv"] == result["command"]
        assert {"cwd": spawned["cwd"], "log": spawned["log"]} == case["spawned"]
    else:
        assert guest.spawned == [], "no guest may be started here"
    assert guest.killed == case.get("killed", [])
    assert guest.entered == case.get("entered", [])
    if "probed" in case:
        assert guest.probes and all(probe == case["probed"] for probe in guest.probes), guest.probes
    else:
        assert guest.probes == [], "no SSH probe expected"
    if "probes" in case:
        assert len(guest.probes) == case["probes"], guest.probes
    expected_warnings = case.get("warnings", [])
    assert len(warnings) == len(expected_warnings), warnings
    for text, want in zip(warnings, expected_warnings):
        assert want in text, (want, text)
    for key in case.get("result_lacks", []):
        assert key not in result, "%s should not be in the result" % key
    check_files(case, tmp)


def test_a_kernel_that_cannot_run_guest_programs_here_is_named_in_the_failure(tmp_path):
    console = tmp_path / "controller1.log"
    console.write_text(
        "Run /sbin/init as init process\nuserspace - ptrace set fp regs failed, errno = 14\n"
        "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n" + " [<6002e653>] frame\n" * 60
    )
    guest = mock.Mock(console_log=str(console))
    guest.name = "controller1"
    failure = uml_host.not_up(guest, "10.77.0.10", "its UML process exited with status -6")
    assert "cannot run guest programs on this CPU" in failure["msg"] and "scripts/setup.sh" in failure["msg"]
    console.write_text("Run /sbin/init as init process\nKernel panic - not syncing: VFS: Unable to mount root fs\n")
    assert "this CPU" not in uml_host.not_up(guest, "10.77.0.10", "its UML process is gone")["msg"]
