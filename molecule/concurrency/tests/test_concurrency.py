"""After the runs at once, the stopped backup and the crafted restores: what may stay, and only that.

racevolume is exported to exactly one initiator, and only that host has a session to it;
bkvolume is attached to compute1 again; no snapshot, map, mount or partial archive of a run of
ours is left on the controller; the four created volumes exist once each.
"""

import json

import pytest

DESTINATION = "/var/backups/novavolume-concurrency"


def controller_only(host):
    if host.backend.get_hostname() != "controller1":
        pytest.skip("volumes live on the controller")


def lvs(host):
    report = json.loads(host.check_output("lvs --reportformat json -o lv_name,lv_attr,lv_tags nova-volumes"))
    return [row for part in report["report"] for row in part["lv"]]


def test_no_snapshot_map_mount_or_partial_archive_left(host):
    controller_only(host)
    assert not [row["lv_name"] for row in lvs(host) if row["lv_attr"].startswith("s")]
    maps = host.check_output("dmsetup ls")
    assert "nvbk" not in maps and "nvrs" not in maps, maps
    mounts = host.file("/proc/mounts").content_string
    assert "novavolume" not in mounts and "nvbk" not in mounts, mounts
    partial = host.check_output("find %s -name '.*.partial'" % DESTINATION)
    assert partial == "", partial


def test_four_created_volumes_and_no_restore_leftover(host):
    controller_only(host)
    names = [row["lv_name"] for row in lvs(host)]
    assert len([name for name in names if name.startswith("volume-")]) == 4, names
    assert not [name for name in names if name in ("bkrestored", "crafted-extra", "crafted-hostpath")], names


# racevolume's target as LIO has it live: its ACLs, and which of them is logged in now.
RACE_ACLS = """
import json, rtslib_fb
target = [t for t in rtslib_fb.FabricModule("iscsi").targets if t.wwn.endswith(":racevolume")][0]
acls = [acl for tpg in target.tpgs for acl in tpg.node_acls]
print(json.dumps([[acl.node_wwn, bool(acl.session)] for acl in acls]))
"""


def test_racevolume_is_exported_to_one_initiator_which_is_logged_in(host):
    controller_only(host)
    acls = json.loads(host.check_output("python3 -c %s", RACE_ACLS))
    assert len(acls) == 1 and acls[0][1], acls


def test_bkvolume_is_attached_to_compute1_again(host):
    if host.backend.get_hostname() != "compute1":
        pytest.skip("bkvolume went back to compute1")
    assert ":bkvolume" in host.check_output("iscsiadm -m session")
