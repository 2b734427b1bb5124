# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared code of the lab modules (uml_network, uml_host): User Mode Linux guests in a network
namespace on the control node.

A lab is named; everything it makes is named from that name: the network namespace (the name
itself), the guests' UML umids (`<lab>-<host>`), the state folder. Processes are found by their
command line (`umid=<umid>` is one of a guest's argv words, and every host process of a guest
shares the main process's command line), so that a lab can be torn down even when the run that
started it died before it recorded anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import json
import os
import re
import signal
import socket
import subprocess
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat, CommandRunner

NETNS_RUN_DIR = "/run/netns"
CLONE_NEWNET = 0x40000000
IFNAMSIZ = 15

# Network interface names: what the kernel accepts, minus the characters that make trouble in
# argv and logs. Lab and host names follow DNS label rules, as they become host names.
IFNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")
LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")


class LabError(Exception):
    """A lab step failed; the message is meant for the user as it is."""


def check_label(value, what):
    if not isinstance(value, str) or not LABEL.match(value):
        raise LabError(
            "invalid %s %r: use 1-32 lower-case letters, digits or '-', starting and ending with a "
            "letter or digit" % (what, value)
        )
    return value


def check_ifname(value, what):
    if not isinstance(value, str) or not IFNAME.match(value) or len(value) > IFNAMSIZ:
        raise LabError("invalid %s %r: a network interface name of at most %d characters" % (what, value, IFNAMSIZ))
    return value


def check_ipv4(value, what="address"):
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 and str(int(p)) == p for p in parts):
        raise LabError("invalid %s %r: expected an IPv4 address such as 10.77.0.10" % (what, value))
    return value


def check_address(value, what="address"):
    """An IPv4 address with prefix length, e.g. 10.77.0.10/24."""
    address, sep, prefix = value.partition("/") if isinstance(value, str) else ("", "", "")
    if not sep or not prefix.isdigit() or not 1 <= int(prefix) <= 32:
        raise LabError("invalid %s %r: expected address/prefix such as 10.77.0.10/24" % (what, value))
    check_ipv4(address, what)
    return value


def ip_runner(module):
    """`ip` from iproute2, with the words the lab modules need."""
    return CommandRunner(
        module,
        "ip",
        {
            "netns": ArgFormat.opt_val("-netns"),
            "json": ArgFormat.fixed("-json"),
            "words": ArgFormat.positional(),
        },
    )


def netns_exists(name):
    return os.path.exists(os.path.join(NETNS_RUN_DIR, name))


def netns_pids(name):
    """Pids of the processes whose network namespace is the named one (like `ip netns pids`)."""
    path = os.path.join(NETNS_RUN_DIR, name)
    try:
        target = os.stat(path)
    except OSError:
        return []
    pids = []
    for pid in _all_pids():
        try:
            st = os.stat("/proc/%d/ns/net" % pid)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino) and pid != os.getpid():
            pids.append(pid)
    return pids


def enter_netns(name):
    """Move the calling process into the named network namespace (for probes from a module)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(os.path.join(NETNS_RUN_DIR, name), os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise LabError("cannot enter network namespace %s: %s" % (name, os.strerror(err)))
    finally:
        os.close(fd)


def _all_pids():
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            raw = handle.read()
    except (IOError, OSError):
        return []
    return [word.decode("utf-8", "replace") for word in raw.split(b"\0") if word]


def is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            stat = handle.read()
    except (IOError, OSError):
        return True
    # The state follows the command name in parentheses, which may itself contain ')'.
    return stat[stat.rindex(")") + 2:][:1] in ("Z", "X")


def guest_pids(umid):
    """Pids of the live host processes of the UML guest `umid` (main process first)."""
    word = "umid=%s" % umid
    found = [pid for pid in _all_pids() if word in _cmdline(pid)[1:] and not is_zombie(pid)]
    return sorted(found)


def uml_dir(umid):
    """UML's own folder for a guest (pid file, mconsole socket): ~/.uml/<umid>."""
    return os.path.join(os.path.expanduser("~"), ".uml", umid)


def kill_pids(pids, timeout=10.0):
    """SIGKILL the given pids and wait until they are gone; return the ones that stayed."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError as exc:
            if exc.errno != errno.ESRCH:
                raise
    deadline = time.time() + timeout
    alive = list(pids)
    while alive and time.time() < deadline:
        alive = [pid for pid in alive if os.path.exists("/proc/%d" % pid) and not is_zombie(pid)]
        if alive:
            time.sleep(0.1)
    return alive


def spawn_detached(argv, log_path, cwd):
    """Start a process that outlives the module: own session, no stdin, output to log_path.

    A guest runs for as long as the lab does, so it cannot go through CommandRunner (which
    waits for its command to finish). Returns the Popen object (poll() tells an early exit).
    """
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            start_new_session=True,
            cwd=cwd,
        )


def ssh_banner(address, port, timeout=2.0):
    """The SSH identification line of address:port, or None if nothing answers yet."""
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except (socket.error, socket.timeout):
        return None
    try:
        sock.settimeout(timeout)
        data = sock.recv(256)
    except (socket.error, socket.timeout):
        return None
    finally:
        sock.close()
    line = data.decode("ascii", "replace").strip()
    return line if line.startswith("SSH-") else None


def tail(path, lines=30):
    """The last lines of a text file (a console log), or '' if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            text = handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return ""
    return "\n".join(text.splitlines()[-lines:])


def read_json(text):
    try:
        return json.loads(text or "[]")
    except ValueError:
        raise LabError("cannot parse the JSON output of ip: %r" % (text[:200],))
