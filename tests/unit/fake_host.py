"""A fake of module_utils/iscsiadm.py's HostView for the compute-host modules' tables.

What the module sees of /dev, /sys and /proc/mounts comes from a case's `host` entry (every key
optional), and the view follows what the module's own commands do to the host:

    links: {/dev/disk/by-path/LINK: sdX}         the /dev links udev made
    appear_after_login: true                     the links exist only once a login succeeded, as udev makes them then
    session_id: N                                the open-iscsi session of every disk (default 1)
    disks: {sid: {lun: sdX}}                     each session's disks
    session_states: {sid: state}                 each session's iSCSI state (default LOGGED_IN; FAILED, FREE;
                                                 null: the session is gone from sysfs)
    states: {sdX: state}                         each disk's SCSI state (default running)
    sizes: {NAME: [before, after]}               a disk's size in bytes before and after a rescan of its session,
                                                 a multipath map's before and after `multipathd resize map`
                                                 (one size: it does not grow)
    partitions: {sdX: [sdX1, ...]}
    holders: {sdX: [dm-N], sdX/sdX1: [dm-M]}     what holds a disk, or one partition of it
    dm: {dm-N: [map name, dm uuid]}              the device-mapper devices
    mounts: [[source, mount point]]              /proc/mounts as HostView.mounts reads it
    file_systems: [[source, mount point, type]]  /proc/mounts as HostView.file_systems reads it
    read_error: TEXT                             what the first uncached read of a disk fails with (none: it reads back)
"""

import contextlib
from unittest import mock

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm


class FakeHostView:
    """Stands in for iscsiadm.HostView, read from a case's `host` entry; records deleted disks."""

    def __init__(self, host):
        self.host = host or {}
        self.logged_in = False
        self.grown = set()  # the names whose size is now their size after a rescan or map resize
        self.deleted = []

    def resolve(self, link):
        if self.host.get("appear_after_login") and not self.logged_in:
            return None
        return self.host.get("links", {}).get(link)

    def wait_for(self, link, timeout, interval=0.05):
        return self.resolve(link)

    def session_id(self, name):
        return self.host.get("session_id", 1)

    def read_error(self, name, timeout, interval=0.1):
        return self.host.get("read_error")

    def mounts(self):
        return [tuple(entry) for entry in self.host.get("mounts", [])]

    def file_systems(self):
        return [tuple(entry) for entry in self.host.get("file_systems", [])]

    def session_disks(self, sid):
        return dict((int(lun), name) for lun, name in self.host.get("disks", {}).get(sid, {}).items())

    def partitions(self, name):
        return self.host.get("partitions", {}).get(name, [])

    def holders(self, name, partition=None):
        return self.host.get("holders", {}).get(name + ("/" + partition if partition else ""), [])

    def dm_info(self, name):
        info = self.host.get("dm", {}).get(name)
        return tuple(info) if info else None

    def session_state(self, sid):
        return self.host.get("session_states", {}).get(sid, "LOGGED_IN")

    def device_state(self, name):
        return self.host.get("states", {}).get(name, "running")

    def size(self, name):
        sizes = self.host["sizes"][name]
        return sizes[-1] if name in self.grown else sizes[0]

    def delete_device(self, name):
        self.deleted.append(name)

    def session_rescanned(self, sid):
        self.grown.update(self.session_disks(sid).values())

    def map_resized(self, name):
        self.grown.update(dm for dm, info in self.host.get("dm", {}).items() if info[0] == name)


@contextlib.contextmanager
def host_view_faked_by(view):
    """While the block runs, iscsiadm.HostView() gives `view`, and `view` follows the module's
    login, session rescan and multipathd map resize, which still run through the case's command
    table: a login shows the by-path links when it succeeds and hides them when it fails, a rescan
    grows the session's disks, a resize grows the map."""
    real_login, real_rescan, real_resize_map = iscsiadm.Iscsiadm.login, iscsiadm.Iscsiadm.rescan, iscsiadm.resize_multipath_map

    def login(adm, target, portal):
        rc, out, err = real_login(adm, target, portal)
        view.logged_in = rc == 0
        return rc, out, err

    def rescan(adm, sid):
        real_rescan(adm, sid)
        view.session_rescanned(sid)

    def resize_map(module, name):
        real_resize_map(module, name)
        view.map_resized(name)

    with mock.patch.object(iscsiadm, "HostView", lambda: view), mock.patch.object(iscsiadm.Iscsiadm, "login", login), \
            mock.patch.object(iscsiadm.Iscsiadm, "rescan", rescan), mock.patch.object(iscsiadm, "resize_multipath_map", resize_map):
        yield view
