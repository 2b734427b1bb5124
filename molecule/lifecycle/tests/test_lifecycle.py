"""Checks after converge.yml of the lifecycle scenario, on the controller: the role's thin pool,
LVM's autoextension settings, thin_check for pool activation, and the thin volume detached."""

import json

import testinfra.utils.ansible_runner  # noqa: F401  (the verifier's ansible backend)

FIELDS = "lv_name,lv_attr,lv_size,pool_lv"


def lvs(host):
    out = host.check_output("lvs --reportformat json --units b --nosuffix -o %s nova-volumes", FIELDS)
    return dict((row["lv_name"], row) for row in json.loads(out)["report"][0]["lv"])


def test_the_role_made_the_thin_pool(host):
    pool = lvs(host)["nova-volumes-pool"]
    assert pool["lv_attr"].startswith("t")
    assert int(pool["lv_size"]) == 2 * 1024 ** 3


def test_the_thin_volumes_are_in_their_pools(host):
    found = lvs(host)
    assert found["volume-00000001"]["lv_attr"].startswith("V")
    assert found["volume-00000001"]["pool_lv"] == "nova-volumes-pool"
    assert int(found["volume-00000001"]["lv_size"]) == 2 * 1024 ** 3
    assert found["volume-00000003"]["pool_lv"] == "full-pool"
    # Refused requests made nothing.
    assert "volume-00000002" not in found and "volume-00000004" not in found


def test_autoextension_is_configured(host):
    config = host.check_output("lvmconfig --type full activation/thin_pool_autoextend_threshold activation/thin_pool_autoextend_percent")
    assert "thin_pool_autoextend_threshold=80" in config
    assert "thin_pool_autoextend_percent=20" in config


def test_thin_check_is_installed(host):
    assert host.package("thin-provisioning-tools").is_installed
    assert host.exists("thin_check")


def test_the_thin_volume_is_detached(host):
    assert host.check_output("lvs --noheadings -o lv_attr nova-volumes/volume-00000001").strip()[5] == "-"
