"""disk_grow from the table in test_disk_grow.yaml, with a fake host view."""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import disk_grow
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

HERE = pathlib.Path(__file__).parent


class FakeHost:
    """What the module sees of /sys and /proc/mounts, from a case's `host` entry: the sessions'
    disks ({sid: {lun: name}}), each disk's size before and after a rescan (sizes; a multipath
    map's after `multipathd resize map`), its partitions, holders and device-mapper [name, uuid]
    (dm), and the mounted file systems ([source, mount point, type])."""

    def __init__(self, host):
        self.host = host or {}
        self.rescanned = set()

    def session_disks(self, sid):
        return dict((int(lun), name) for lun, name in self.host.get("disks", {}).get(sid, {}).items())

    def size(self, name):
        sizes = self.host["sizes"][name]
        return sizes[-1] if name in self.rescanned else sizes[0]

    def holders(self, name, partition=None):
        return self.host.get("holders", {}).get(name, [])

    def dm_info(self, name):
        info = self.host.get("dm", {}).get(name)
        return tuple(info) if info else None

    def partitions(self, name):
        return self.host.get("partitions", {}).get(name, [])

    def file_systems(self):
        return [tuple(entry) for entry in self.host.get("file_systems", [])]


@pytest.mark.parametrize("case", load_cases(HERE / "test_disk_grow.yaml"))
def test_disk_grow(case):
    view = FakeHost(case.get("host"))
    real_rescan, real_resize_map = iscsiadm.Iscsiadm.rescan, iscsiadm.resize_multipath_map

    def rescan(adm, sid):
        real_rescan(adm, sid)
        view.rescanned.update(view.session_disks(sid).values())

    def resize_map(module, name):
        real_resize_map(module, name)
        view.rescanned.update(dm for dm, info in view.host.get("dm", {}).items() if info[0] == name)

    with mock.patch.object(iscsiadm, "HostView", lambda: view), mock.patch.object(iscsiadm.Iscsiadm, "rescan", rescan), \
            mock.patch.object(iscsiadm, "resize_multipath_map", resize_map):
        check_case(disk_grow, case)
