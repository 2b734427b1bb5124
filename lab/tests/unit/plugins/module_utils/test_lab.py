"""module_utils/lab.py: the name and address checks, and the host-facing helpers run for real
against child processes of the test (found through /proc), a socket on the loopback and files.

Nothing here makes a network namespace: netns_exists and netns_pids look under a temporary
NETNS_RUN_DIR, which may hold a link to a process's /proc/<pid>/ns/net as `ip netns` bind-mounts it.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading

import pytest

from ansible_collections.novavolume.lab.plugins.module_utils import lab
from ansible_collections.novavolume.lab.plugins.module_utils.lab import LabError

# A child that waits until its stdin is closed: alive for exactly as long as the test wants.
WAIT_FOR_STDIN = "import sys; sys.stdin.read()"


@pytest.fixture
def children():
    """Start child processes that wait on stdin; close and reap them all after the test."""
    started = []

    def start(argv):
        child = subprocess.Popen(argv, stdin=subprocess.PIPE)
        started.append(child)
        return child

    yield start
    for child in started:
        child.stdin.close()
        child.wait()


def no_such_pid():
    with open("/proc/sys/kernel/pid_max") as handle:
        return int(handle.read()) + 1


# --- checks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["novalab", "a", "compute1", "lab-2", "a" * 32])
def test_good_labels(value):
    assert lab.check_label(value, "lab name") == value


@pytest.mark.parametrize("value", ["", "-lab", "lab-", "Novalab", "nova_lab", "nova.lab", "a" * 33, "lab 1", None, 7])
def test_bad_labels(value):
    with pytest.raises(LabError, match="invalid lab name"):
        lab.check_label(value, "lab name")


@pytest.mark.parametrize("value", ["tap-controller", "br0", "nova_br.1", "a" * 15])
def test_good_ifnames(value):
    assert lab.check_ifname(value, "tap name") == value


@pytest.mark.parametrize("value", ["", "a" * 16, "-tap", "tap 1", "tap/1", "tap:1", None])
def test_bad_ifnames(value):
    with pytest.raises(LabError, match="invalid tap name .*at most 15 characters"):
        lab.check_ifname(value, "tap name")


@pytest.mark.parametrize("value", ["10.77.0.10", "0.0.0.0", "255.255.255.255"])
def test_good_ipv4(value):
    assert lab.check_ipv4(value) == value


# Leading zeros and non-ASCII digits are refused: guests and tools would read them differently.
@pytest.mark.parametrize("value", ["256.1.1.1", "10.77.0", "10.77.0.1.5", "10.77.0.010", "a.b.c.d", " 10.77.0.1",
                                   "10.77.0.-1", "\u0661\u0660.77.0.1", "", None])
def test_bad_ipv4(value):
    with pytest.raises(LabError, match="expected an IPv4 address"):
        lab.check_ipv4(value, "address")


@pytest.mark.parametrize("value", ["10.77.0.10/24", "10.77.0.1/1", "10.77.0.1/32"])
def test_good_addresses(value):
    assert lab.check_address(value) == value


@pytest.mark.parametrize("value, complaint", [
    ("10.77.0.10", "expected address/prefix"),
    ("10.77.0.10/", "expected address/prefix"),
    ("10.77.0.10/0", "expected address/prefix"),
    ("10.77.0.10/33", "expected address/prefix"),
    ("10.77.0.10/24/1", "expected address/prefix"),
    ("10.77.0.10/x", "expected address/prefix"),
    (None, "expected address/prefix"),
    ("10.77.0.300/24", "invalid address '10.77.0.300': expected an IPv4 address"),
])
def test_bad_addresses(value, complaint):
    with pytest.raises(LabError, match=complaint.replace(".", r"\.")):
        lab.check_address(value)


def test_read_json():
    assert lab.read_json('[{"ifname": "lo"}]') == [{"ifname": "lo"}]
    assert lab.read_json("") == []
    with pytest.raises(LabError, match="cannot parse the JSON output of ip: 'Cannot open network namespace"):
        lab.read_json('Cannot open network namespace "novalab": No such file or directory')


# --- files -------------------------------------------------------------------------------------
def test_tail_gives_the_last_lines(tmp_path):
    log = tmp_path / "controller.log"
    log.write_text("".join("line %d\n" % number for number in range(1, 51)))
    assert lab.tail(str(log)) == "\n".join("line %d" % number for number in range(21, 51))
    assert lab.tail(str(log), lines=2) == "line 49\nline 50"


def test_tail_of_a_large_log_with_broken_utf8(tmp_path):
    log = tmp_path / "controller.log"
    log.write_bytes(b"x" * 100000 + b"\nKernel panic \xff\n")
    assert lab.tail(str(log), lines=1) == "Kernel panic \ufffd"


def test_tail_of_a_missing_log_is_empty(tmp_path):
    assert lab.tail(str(tmp_path / "missing.log")) == ""


def test_uml_dir_is_in_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert lab.uml_dir("novalab-controller") == str(tmp_path / ".uml" / "novalab-controller")


# --- processes -----------------------------------------------------------------------------------
def test_guest_pids_match_the_whole_umid_word(children):
    umid = "test-%d" % os.getpid()
    guest = children([sys.executable, "-c", WAIT_FOR_STDIN, "umid=" + umid])
    children([sys.executable, "-c", WAIT_FOR_STDIN, "umid=%s-2" % umid])
    children([sys.executable, "-c", WAIT_FOR_STDIN, "xumid=" + umid])
    assert lab.guest_pids(umid) == [guest.pid]
    assert lab.guest_pids("none-%d" % os.getpid()) == []


def test_guest_pids_leave_out_zombies(children):
    umid = "test-%d" % os.getpid()
    guest = children([sys.executable, "-c", WAIT_FOR_STDIN, "umid=" + umid])
    guest.stdin.close()
    # Wait for the exit without reaping: the child stays a zombie until the fixture reaps it.
    os.waitid(os.P_PID, guest.pid, os.WEXITED | os.WNOWAIT)
    assert lab.is_zombie(guest.pid)
    assert lab.guest_pids(umid) == []


def test_is_zombie_reads_the_state_after_the_last_parenthesis(children, tmp_path):
    # /proc/<pid>/stat shows the command name in parentheses; this one reads "x) Z (y".
    command = tmp_path / "x) Z (y"
    command.symlink_to(shutil.which("cat"))
    child = children([str(command)])
    with open("/proc/%d/stat" % child.pid) as handle:
        assert "(x) Z (y)" in handle.read()
    assert not lab.is_zombie(child.pid)


def test_a_pid_that_does_not_exist_counts_as_gone():
    assert lab.is_zombie(no_such_pid())


def test_kill_pids_kills_and_waits(children):
    child = children([sys.executable, "-c", WAIT_FOR_STDIN])
    assert lab.kill_pids([child.pid, no_such_pid()]) == []
    assert child.wait() == -9


def test_spawn_detached_outlives_the_caller_session(tmp_path):
    """Own session, stdin from /dev/null, stdout and stderr into the log, in the given folder."""
    log = tmp_path / "console.log"
    work = tmp_path / "pids"
    work.mkdir()
    code = (
        "import os, sys; print(os.getsid(0) == os.getpid(), repr(sys.stdin.read()), os.getcwd()); "
        "sys.stderr.write('on stderr\\n')"
    )
    process = lab.spawn_detached([sys.executable, "-c", code], str(log), str(work))
    assert process.wait() == 0
    assert log.read_text() == "True '' %s\non stderr\n" % work


# --- network namespaces --------------------------------------------------------------------------
def test_netns_exists(monkeypatch, tmp_path):
    monkeypatch.setattr(lab, "NETNS_RUN_DIR", str(tmp_path))
    (tmp_path / "novalab").write_text("")
    assert lab.netns_exists("novalab")
    assert not lab.netns_exists("otherlab")


def test_netns_pids_finds_the_processes_of_the_namespace(children, monkeypatch, tmp_path):
    child = children([sys.executable, "-c", WAIT_FOR_STDIN])
    monkeypatch.setattr(lab, "NETNS_RUN_DIR", str(tmp_path))
    # The child shares the test's network namespace; the test's own pid is never listed.
    (tmp_path / "novalab").symlink_to("/proc/%d/ns/net" % child.pid)
    pids = lab.netns_pids("novalab")
    assert child.pid in pids
    assert os.getpid() not in pids
    assert lab.netns_pids("otherlab") == []


# --- SSH banner ------------------------------------------------------------------------------------
def serve_once(answer):
    """A loopback server that sends `answer` to its first client; returns its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        connection, _address = listener.accept()
        connection.sendall(answer)
        connection.close()
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_ssh_banner_of_an_ssh_server():
    port = serve_once(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7\r\n")
    assert lab.ssh_banner("127.0.0.1", port) == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7"


def test_ssh_banner_of_another_server_is_none():
    port = serve_once(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    assert lab.ssh_banner("127.0.0.1", port) is None


def test_ssh_banner_of_a_closed_port_is_none():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert lab.ssh_banner("127.0.0.1", port) is None
