"""iscsi_session from the table in test_iscsi_session.yaml, with a fake host view."""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import iscsi_session
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

HERE = pathlib.Path(__file__).parent


class FakeHost:
    """What the module sees of /dev, /sys and /proc/mounts, from a case's `host` entry.

    With appear_after_login, the by-path link exists only once a login succeeded, as udev
    makes it then. dm maps a device-mapper device to its [name, uuid], states a disk to its SCSI
    state (default running), session_states a session id to its iSCSI state (default
    LOGGED_IN). sizes lists the disk's size before and after a rescan; read_error is what
    the first uncached read of the disk fails with (none: it reads back).
    """

    def __init__(self, host):
        self.host = host or {}
        self.logged_in = self.rescanned = False
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
        return sizes[-1] if self.rescanned else sizes[0]

    def delete_device(self, name):
        self.deleted.append(name)


@pytest.mark.parametrize("case", load_cases(HERE / "test_iscsi_session.yaml"))
def test_iscsi_session(case):
    view = FakeHost(case.get("host"))
    real_login, real_rescan = iscsiadm.Iscsiadm.login, iscsiadm.Iscsiadm.rescan

    def login(adm, target, portal):
        rc, out, err = real_login(adm, target, portal)
        view.logged_in = rc == 0
        return rc, out, err

    def rescan(adm, sid):
        real_rescan(adm, sid)
        view.rescanned = True

    with mock.patch.object(iscsiadm, "HostView", lambda: view), mock.patch.object(
        iscsiadm.Iscsiadm, "login", login
    ), mock.patch.object(iscsiadm.Iscsiadm, "rescan", rescan):
        result = check_case(iscsi_session, case)
    if "deleted" in case:
        assert view.deleted == case["deleted"]
    shown = dict((key, value) for key, value in result.items() if key != "_commands_ran")
    assert "Zq8xV2mK7pL4rT9w" not in repr(shown), "the CHAP secret leaked into the result"
