"""Checks after the snapshots and clones of the lifecycle scenario (tasks/snapshots_clones.yml), on
the controller: nothing of them is left, and the thin volume's tag records its revert."""

import base64
import json

import testinfra.utils.ansible_runner  # noqa: F401  (the verifier's ansible backend)


def lvs(host):
    out = host.check_output("lvs --reportformat json -o lv_name,lv_tags nova-volumes")
    return dict((row["lv_name"], row["lv_tags"].split(",")) for row in json.loads(out)["report"][0]["lv"])


def test_no_snapshot_clone_or_temporary_snapshot_is_left(host):
    names = sorted(lvs(host))
    assert [name for name in names if name.startswith("snap-") or name.endswith(("-nvcl", "-nvbk"))] == []
    assert [name for name in names if name in ("volume-00000006", "volume-00000007", "volume-00000008", "volume-00000009")] == []


def test_the_thin_volume_records_the_snapshot_it_was_reverted_to(host):
    encoded = base64.urlsafe_b64encode(b"snap-00000001").decode().rstrip("=")
    assert "nv.reverted_to=" + encoded in lvs(host)["volume-00000001"]
