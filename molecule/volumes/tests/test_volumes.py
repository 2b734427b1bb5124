"""Checks after converge.yml of the volumes scenario (issue 5), on the controller with `lvs`:
the walkthrough's volume is gone, the bad input left nothing, the kept volumes are there with
their sizes and metadata tags."""

import base64
import json

import testinfra.utils.ansible_runner  # noqa: F401  (the verifier's ansible backend)

FIELDS = "lv_name,lv_size,lv_attr,lv_tags"


def volumes(host):
    out = host.check_output("lvs --reportformat json --units b --nosuffix -o %s nova-volumes", FIELDS)
    rows = json.loads(out)["report"][0]["lv"]
    return dict((row["lv_name"], row) for row in rows)


def tags(row):
    meta = {}
    for tag in filter(None, row["lv_tags"].split(",")):
        key, value = tag.split("=", 1)
        meta[key] = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    return meta


def test_only_the_kept_volumes_remain(host):
    assert sorted(volumes(host)) == ["volume-00000101", "volume-00000102"]


def test_kept_volumes_have_size_and_metadata(host):
    found = volumes(host)
    assert int(found["volume-00000101"]["lv_size"]) == 1024 ** 3
    assert int(found["volume-00000102"]["lv_size"]) == 512 * 1024 ** 2
    one = tags(found["volume-00000101"])
    assert one["nv.display_name"] == "kept one" and one["nv.volume_type"] == "ssd"
    assert tags(found["volume-00000102"])["nv.display_name"] == "kept two"
    assert all("nv.created_at" in tags(row) for row in found.values())


def test_volumes_are_active_plain_lvs(host):
    for row in volumes(host).values():
        assert row["lv_attr"].startswith("-wi-a"), row


def test_volume_group_on_the_lab_disk(host):
    pv, vg = host.check_output("pvs --noheadings -o pv_name,vg_name").split()
    assert pv.startswith("/dev/ubdb") and vg == "nova-volumes"
