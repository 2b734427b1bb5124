# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""open-iscsi on the compute host: the iscsiadm command family, its output, and the host view.

Following os-brick's connector: look at existing sessions and node records before changing
anything; discover with `-o nonpersistent` so that discovery never rewrites existing records
(a plain sendtargets discovery resets settings such as node.startup to iscsid.conf's
defaults); treat "session exists" and "no records" as answers, not failures.

Everything read from /sys, /proc and /dev goes through HostView, so unit tests can fake it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import mmap
import os
import re
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError, CommandRunner

# iscsiadm exit codes (open-iscsi include/iscsi_err.h) that callers interpret themselves.
RC_SESSION_EXISTS = 15  # ISCSI_ERR_SESS_EXISTS: already logged in
RC_LOGIN_FAILED = 19  # ISCSI_ERR_LOGIN
RC_NO_OBJECTS = 21  # ISCSI_ERR_NO_OBJS_FOUND: no sessions / no matching records
RC_AUTH_FAILED = 24  # ISCSI_ERR_LOGIN_AUTH_FAILED: CHAP refused or initiator not allowed

MASK = "********"

_SESSION = re.compile(r"^\S+:\s+\[(\d+)\]\s+(\S+),(\d+)\s+(\S+)")
_RECORD = re.compile(r"^(\S+),(\d+)\s+(\S+)$")


def iscsiadm_runner(module):
    return CommandRunner(
        module,
        "iscsiadm",
        dict(
            mode=fmt.opt_val("-m"),
            type=fmt.opt_val("-t"),
            target=fmt.opt_val("-T"),
            portal=fmt.opt_val("-p"),
            sid=fmt.opt_val("-r"),
            op=fmt.opt_val("-o"),
            # open-iscsi takes several name/value pairs in one update: one call for all settings.
            settings=fmt.name_value_pairs("-n", "-v"),
            show=fmt.fixed("-S"),
            discover=fmt.fixed("--discover"),
            login=fmt.fixed("--login"),
            logout=fmt.fixed("--logout"),
            rescan=fmt.fixed("--rescan"),
        ),
        benign_rcs=(0, RC_SESSION_EXISTS, RC_NO_OBJECTS),
    )


def bounded_runner(module):
    """coreutils' timeout around another command's argv: a command that can hang (a logout over a
    dead network) is stopped after `seconds`, and killed `kill_after` seconds later."""
    return CommandRunner(module, "timeout", dict(
        kill_after=fmt.opt_eq_val("--kill-after"), seconds=fmt.positional(), command=fmt.positional()))


# timeout's exit code when it stopped the command; 137 when it had to kill it.
RC_TIMED_OUT = (124, 137)


def blockdev_runner(module):
    return CommandRunner(module, "blockdev", dict(flushbufs=fmt.fixed("--flushbufs"), device=fmt.positional()))


def multipath_runner(module):
    return CommandRunner(module, "multipath", dict(flush=fmt.opt_val("-f")))


def multipathd_runner(module):
    return CommandRunner(module, "multipathd", dict(
        del_path=fmt.fixed("del", "path"), resize_map=fmt.fixed("resize", "map"), device=fmt.positional(),
        show_paths=fmt.fixed("show", "paths", "raw", "format"), show_maps=fmt.fixed("show", "maps", "raw", "format"),
        format=fmt.positional(), disable_queueing=fmt.fixed("disablequeueing", "map")))


def _multipathd_answer(module, args_order, **values):
    """Run a multipathd command that answers "ok"; "fail" (or "timeout" while a reconfigure runs)
    comes with rc 0 on some versions, as os-brick notes: that answer is an error too."""
    runner = multipathd_runner(module)
    rc, out, err = runner.run(args_order, **values)
    if "fail" in out or "timeout" in out:
        raise CommandError(runner.argv(args_order, **values), rc, out, err)


# What `multipathd show paths` and `show maps` print per path and per map for the diagnosis: the
# path's disk, the map it belongs to, device-mapper's state of the path (active, failed) and the
# path checker's (ready, faulty; last, as it can be two words: "i/o pending"); the map's name and
# queueing policy (on, off, "12 chk"; last for the same reason). multipathd pads columns with spaces.
PATHS_FORMAT = "%d %m %t %T"
MAPS_FORMAT = "%n %Q"


def multipathd_paths(module):
    """{disk: {map, dm_state, checker_state}} as multipathd sees its paths, or (None, why) when
    multipathd does not answer: a diagnosis goes on without it."""
    rc, out, err = multipathd_runner(module).run("show_paths format", check=False, show_paths=True, format=PATHS_FORMAT)
    if rc != 0:
        return None, " ".join((err or out or "rc=%d" % rc).split())
    paths = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            paths[fields[0]] = dict(map=fields[1], dm_state=fields[2], checker_state=" ".join(fields[3:]))
    return paths, None


def multipathd_queueing(module, name):
    """multipathd's queueing policy of map `name` as it applies it now ("on", "off", "12 chk"), or None."""
    rc, out, _err = multipathd_runner(module).run("show_maps format", check=False, show_maps=True, format=MAPS_FORMAT)
    for line in out.splitlines() if rc == 0 else []:
        fields = line.split()
        if len(fields) >= 2 and fields[0] == name:
            return " ".join(fields[1:])
    return None


def resize_multipath_map(module, name):
    """Have multipathd reload map `name` with the size its paths show now."""
    _multipathd_answer(module, "resize_map device", resize_map=True, device=name)


def disable_queueing(module, name):
    """Have map `name` fail I/O while no path is left instead of queueing it (no_path_retry queue):
    with a dead path, a flush or removal of the map must not wait for ever on the last one."""
    _multipathd_answer(module, "disable_queueing device", disable_queueing=True, device=name)


def portal_of(address, port):
    """iscsiadm's portal word: ADDR:PORT, with brackets around an IPv6 address."""
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


def by_path_link(address, port, target, lun):
    """The stable link udev makes for a LUN of a session."""
    return "/dev/disk/by-path/ip-%s-iscsi-%s-lun-%d" % (portal_of(address, port), target, lun)


def parse_sessions(out):
    """`iscsiadm -m session` -> [{sid, portal, tpgt, target}]."""
    sessions = []
    for line in (out or "").splitlines():
        match = _SESSION.match(line.strip())
        if match:
            sessions.append(
                dict(sid=int(match.group(1)), portal=match.group(2), tpgt=int(match.group(3)), target=match.group(4))
            )
    return sessions


def parse_records(out):
    """`iscsiadm -m node` or a sendtargets discovery -> [{portal, tpgt, target}]."""
    records = []
    for line in (out or "").splitlines():
        match = _RECORD.match(line.strip())
        if match:
            records.append(dict(portal=match.group(1), tpgt=int(match.group(2)), target=match.group(3)))
    return records


def parse_node(out):
    """`iscsiadm -m node -T T -p P -S` -> {setting: value}; '<empty>' becomes ''."""
    settings = {}
    for line in (out or "").splitlines():
        if " = " in line and not line.startswith("#"):
            key, value = line.split(" = ", 1)
            value = value.strip()
            settings[key.strip()] = "" if value == "<empty>" else value
    return settings


class Iscsiadm:
    """The iscsiadm calls the session module makes, each one named after what it does."""

    def __init__(self, module):
        self.module = module
        self.runner = iscsiadm_runner(module)
        self.run = self.runner.run

    def sessions(self):
        rc, out, _err = self.run("mode", mode="session")
        return [] if rc == RC_NO_OBJECTS else parse_sessions(out)

    def records(self):
        rc, out, _err = self.run("mode", mode="node")
        return [] if rc == RC_NO_OBJECTS else parse_records(out)

    def discover(self, portal, credentials=None):
        """SendTargets discovery that changes no node record: what the portal offers this initiator.

        With (user, secret) the discovery logs in with CHAP: open-iscsi takes them only from the
        portal's discoverydb record, so one is made for this discovery and deleted after it (an
        existing one gets the credentials and is kept).
        """
        if credentials is None:
            rc, out, _err = self.run("mode type portal op", mode="discovery", type="sendtargets", portal=portal,
                                     op="nonpersistent")
            return [] if rc == RC_NO_OBJECTS else parse_records(out)
        where = dict(mode="discoverydb", type="sendtargets", portal=portal)
        made, _out, _err = self.run("mode type portal op", check=False, op="new", **where)
        try:
            self.run("mode type portal op settings", op="update", settings=[
                ("discovery.sendtargets.auth.authmethod", "CHAP"),
                ("discovery.sendtargets.auth.password", credentials[1]),
                ("discovery.sendtargets.auth.username", credentials[0]),
            ], **where)
            rc, out, _err = self.run("mode type portal discover op", discover=True, op="nonpersistent", **where)
        finally:
            if made == 0:
                self.run("mode type portal op", check=False, op="delete", **where)
        return [] if rc == RC_NO_OBJECTS else parse_records(out)

    def new_record(self, target, portal):
        self.run("mode target portal op", mode="node", target=target, portal=portal, op="new")

    def record_settings(self, target, portal):
        _rc, out, _err = self.run("mode target portal show", mode="node", target=target, portal=portal, show=True)
        return parse_node(out)

    def update(self, target, portal, settings):
        """Set every {name: value} of `settings` in the node record, in one iscsiadm call."""
        self.run("mode target portal op settings", mode="node", target=target, portal=portal, op="update",
                 settings=sorted(settings.items()))

    def login(self, target, portal):
        """(rc, out, err) without raising: the caller explains a failed login and cleans up."""
        return self.run("mode target portal login", check=False, mode="node", target=target, portal=portal, login=True)

    def logout(self, target, portal):
        self.run("mode target portal logout", mode="node", target=target, portal=portal, logout=True)

    def logout_bounded(self, target, portal, seconds):
        """Log out of a session whose connection is down, stopped after `seconds`: iscsid should end
        a session it is reconnecting at once, but a detach must not hang on a dead network if it
        does not. Returns None, or what went wrong."""
        argv = self.runner.argv("mode target portal logout", mode="node", target=target, portal=portal, logout=True)
        rc, out, err = bounded_runner(self.module).run(
            "kill_after seconds command", check=False, kill_after=5, seconds=seconds, command=argv)
        if rc in RC_TIMED_OUT:
            return "the logout did not finish within %d seconds" % seconds
        if rc not in (0, RC_NO_OBJECTS):
            raise CommandError(argv, rc, out, err)
        return None

    def delete_record(self, target, portal):
        self.run("mode target portal op", mode="node", target=target, portal=portal, op="delete")

    def rescan(self, sid):
        self.run("mode sid rescan", mode="session", sid=sid, rescan=True)


class HostView:
    """Reads and the few writes under /sys, /proc/mounts and /dev the session module needs."""

    def resolve(self, link):
        """Kernel name (sdX) behind a /dev link, or None when the link is not there."""
        if not os.path.exists(link):
            return None
        return os.path.basename(os.path.realpath(link))

    def wait_for(self, link, timeout, interval=0.05):
        """Kernel name behind `link` once udev has made it, or None after `timeout` seconds."""
        deadline = time.time() + timeout
        while True:
            name = self.resolve(link)
            if name or time.time() >= deadline:
                return name
            time.sleep(interval)

    def session_id(self, name):
        """The open-iscsi session of disk /dev/NAME, from its place in sysfs
        (/sys/devices/platform/host0/session3/target0:0:0/0:0:0:0/block/sda), or None."""
        match = re.search(r"/session(\d+)/", os.path.realpath("/sys/block/%s" % name))
        return int(match.group(1)) if match else None

    def read_error(self, name, timeout, interval=0.1):
        """None once the first block of /dev/NAME reads back, bypassing the page cache (what the
        instance will do first), else the last error after `timeout` seconds: right after a
        login the disk can answer with I/O errors for a moment, and a disk that keeps doing so
        is no attachment."""
        deadline = time.time() + timeout
        buffer = mmap.mmap(-1, mmap.PAGESIZE)  # O_DIRECT wants an aligned buffer
        while True:
            try:
                handle = os.open("/dev/%s" % name, os.O_RDONLY | getattr(os, "O_DIRECT", 0))
                try:
                    os.readv(handle, [buffer])
                finally:
                    os.close(handle)
                return None
            except OSError as error:
                problem = "%s (errno %s)" % (error.strerror or "read failed", errno.errorcode.get(error.errno, error.errno))
            if time.time() >= deadline:
                return problem
            time.sleep(interval)

    def mounts(self):
        """[(source, mount point)] from /proc/mounts, sources resolved to /dev/NAME."""
        mounts = []
        with open("/proc/mounts") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 2:
                    source = fields[0]
                    if source.startswith("/dev/"):
                        source = os.path.realpath(source)
                    mounts.append((source, fields[1].replace("\\040", " ")))
        return mounts

    def file_systems(self):
        """[(source, mount point, file system type)] from /proc/mounts, sources resolved to /dev/NAME."""
        found = []
        with open("/proc/mounts") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 3 and fields[0].startswith("/dev/"):
                    found.append((os.path.realpath(fields[0]), fields[1].replace("\\040", " "), fields[2]))
        return found

    def session_disks(self, sid):
        """{lun: kernel name} of the disks of open-iscsi session `sid`, from sysfs
        (/sys/class/iscsi_session/session3/device/target2:0:0/2:0:0:1/block/sdb)."""
        disks = {}
        base = "/sys/class/iscsi_session/session%d/device" % sid
        for target in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            if not target.startswith("target"):
                continue
            for lun in os.listdir(os.path.join(base, target)):
                block = os.path.join(base, target, lun, "block")
                if ":" in lun and os.path.isdir(block):
                    for name in os.listdir(block):
                        disks[int(lun.rsplit(":", 1)[1])] = name
        return disks

    def partitions(self, name):
        base = "/sys/block/%s" % name
        return sorted(entry for entry in os.listdir(base) if entry.startswith(name)) if os.path.isdir(base) else []

    def holders(self, name, partition=None):
        path = "/sys/block/%s/%sholders" % (name, partition + "/" if partition else "")
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def dm_info(self, name):
        """(map name, dm uuid) of device-mapper device /dev/NAME (dm-N), or None for another device."""
        base = "/sys/block/%s/dm" % name
        if not os.path.isdir(base):
            return None
        with open(base + "/name") as name_file, open(base + "/uuid") as uuid_file:
            return name_file.read().strip(), uuid_file.read().strip()

    def session_state(self, sid):
        """The iSCSI layer's state of session `sid` (LOGGED_IN; FAILED while its connection is
        down, FREE once replacement_timeout has run out: open-iscsi goes on reconnecting it), or
        None when the session is gone."""
        try:
            with open("/sys/class/iscsi_session/session%d/state" % sid) as handle:
                return handle.read().strip()
        except (IOError, OSError):
            return None

    def device_state(self, name):
        """The SCSI layer's state of disk /dev/NAME (running, offline, blocked...)."""
        with open("/sys/block/%s/device/state" % name) as handle:
            return handle.read().strip()

    def size(self, name):
        """Size in bytes of /dev/NAME (the kernel counts 512-byte sectors)."""
        with open("/sys/block/%s/size" % name) as handle:
            return int(handle.read().strip()) * 512

    def delete_device(self, name):
        """Tell the SCSI layer the disk is gone, after its buffers were flushed."""
        with open("/sys/block/%s/device/delete" % name, "w") as handle:
            handle.write("1\n")


def multipath_map(view, names):
    """The dm-multipath map that holds every disk of `names` (sdX), as a dict of its dm name
    (dm-N), map name and WWID, or None while there is no single such map: multipathd makes the
    map (dm uuid mpath-<WWID>) and puts each path disk under /sys/block/sdX/holders/dm-N."""
    found = set()
    for name in names:
        maps = []
        for holder in view.holders(name):
            info = view.dm_info(holder)
            if info and info[1].startswith("mpath-"):
                maps.append((holder, info[0], info[1][len("mpath-"):]))
        if len(maps) != 1:
            return None
        found.add(maps[0])
    if len(found) != 1:
        return None
    dm, name, wwid = found.pop()
    return dict(dm=dm, name=name, wwid=wwid)


def partition_maps(view, found):
    """The partition maps on the multipath map `found` (multipath_map()) as [(dm name, map name)]:
    its device-mapper holders whose dm uuid is part<N>-mpath-<WWID>, as kpartx (run by udev when
    the map appears, at a boot too) names them. `multipath -f` removes them with the map, and
    refuses the map while one of them is open."""
    pattern = re.compile(r"part[0-9]+-mpath-%s$" % re.escape(found["wwid"]))
    maps = []
    for holder in view.holders(found["dm"]):
        info = view.dm_info(holder)
        if info and pattern.match(info[1]):
            maps.append((holder, info[0]))
    return maps


def usage(view, name, ignore=()):
    """What keeps /dev/NAME busy: a list of 'mounted at X (/dev/Y)' and 'held by Z' strings
    (holders in `ignore` left out: a multipath map the same run removes first)."""
    names = [name] + view.partitions(name)
    devices = set("/dev/%s" % item for item in names)
    uses = ["mounted at %s (%s)" % (target, source) for source, target in view.mounts() if source in devices]
    uses.extend("held by %s (%s)" % (holder, name) for holder in view.holders(name) if holder not in ignore)
    for partition in names[1:]:
        uses.extend("held by %s (%s)" % (holder, partition) for holder in view.holders(name, partition))
    return uses
