"""After the CLI walkthrough: no volume of the walkthrough, no export and no iSCSI session left."""

import json

import pytest


def test_no_walkthrough_volume_left(host):
    if host.backend.get_hostname() != "controller1":
        pytest.skip("volumes live on the controller")
    lvs = json.loads(host.check_output("lvs --reportformat json -o lv_name,lv_tags nova-volumes"))
    names = [row["lv_name"] for report in lvs["report"] for row in report["lv"]]
    assert not [name for name in names if name.startswith("volume-")], names


def test_no_iscsi_session_left_on_compute1(host):
    if host.backend.get_hostname() != "compute1":
        pytest.skip("the walkthrough attaches to compute1")
    # iscsiadm exits 21 when there is no session at all
    result = host.run("iscsiadm -m session")
    assert result.rc == 21 or "volume-" not in result.stdout, result.stdout
