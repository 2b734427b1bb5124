"""Final state of the recovery scenario (issue 7), checked by molecule's testinfra verifier.

recvol is attached to compute2 only (tags, export ACL, session), compute1 kept neither a session
nor a node record of it, no compute-side cleanup is pending, and the files written on compute1
before the outage and on compute2 before and after the controller restart are intact.
"""

import json

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import volume_meta

VOLUME = "recvol"
TARGET = "iqn.2010-10.org.openstack:" + VOLUME
MOUNT = "/mnt/recvol"
SUMS = "/root/recvol.sha1"
PENDING_DIR = "/var/lib/novavolume/recovery-pending"


def in_group(host, group):
    return group in host.ansible.get_variables().get("group_names", [])


def name_of(host):
    return host.ansible.get_variables()["inventory_hostname"]


def test_volume_recorded_as_attached_to_compute2(host):
    if not in_group(host, "controller"):
        pytest.skip("controller check")
    out = host.check_output("lvs --reportformat json -o lv_name,lv_tags nova-volumes/%s", VOLUME)
    tags = json.loads(out)["report"][0]["lv"][0]["lv_tags"]
    meta = volume_meta.decode(tags)
    assert meta.get("attached_host") == "compute2"


def test_export_saved_for_compute2_only(host):
    if not in_group(host, "controller"):
        pytest.skip("controller check")
    saved = json.loads(host.file("/etc/rtslib-fb-target/saveconfig.json").content_string)
    targets = [target for target in saved.get("targets", []) if target["wwn"] == TARGET]
    assert len(targets) == 1
    acls = [acl["node_wwn"] for tpg in targets[0]["tpgs"] for acl in tpg.get("node_acls", [])]
    assert len(acls) == 1


def test_nothing_pending(host):
    if not in_group(host, "controller"):
        pytest.skip("controller check")
    listing = host.run("ls -A %s", PENDING_DIR)
    assert listing.stdout.strip() == ""


def test_compute1_kept_nothing_of_the_volume(host):
    if name_of(host) != "compute1":
        pytest.skip("compute1 check")
    sessions = host.run("iscsiadm -m session")
    records = host.run("iscsiadm -m node")
    assert TARGET not in sessions.stdout
    assert TARGET not in records.stdout


def test_compute2_logged_in_and_data_intact(host):
    if name_of(host) != "compute2":
        pytest.skip("compute2 check")
    assert "%s (non-flash)" % TARGET in host.check_output("iscsiadm -m session")
    with host.sudo():
        host.run_expect([0], "echo 3 > /proc/sys/vm/drop_caches")
        check = host.run("cd %s && sha1sum --check --quiet %s", MOUNT, SUMS)
    assert check.rc == 0, check.stdout + check.stderr
