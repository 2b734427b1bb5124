"""Parsing of `tgtadm --mode target --op show` and the persisted tgt configuration."""

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import tgt

SHOW = """Target 1: iqn.2010-10.org.openstack:myvolume
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 3
            Initiator: iqn.1993-08.org.debian:01:compute1 alias: compute1
            Connection: 0
                IP Address: 10.77.0.11
    LUN information:
        LUN: 0
            Type: controller
            Backing store type: null
            Backing store path: None
            Backing store flags:
        LUN: 1
            Type: disk
            Size: 10737 MB, Block size: 512
            Backing store type: rdwr
            Backing store path: /dev/nova-volumes/myvolume
            Backing store flags:
    Account information:
        nv-myvolume-0a1b2c3d
        mutual-user (outgoing)
    ACL information:
        iqn.1993-08.org.debian:01:compute1
Target 2: iqn.2010-10.org.openstack:empty
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
    LUN information:
        LUN: 0
            Type: controller
            Backing store path: None
    Account information:
    ACL information:
        ALL
"""


def test_parse_targets():
    targets = tgt.parse_targets(SHOW)
    first = targets["iqn.2010-10.org.openstack:myvolume"]
    assert first["tid"] == 1
    assert first["luns"] == {1: "/dev/nova-volumes/myvolume"}
    assert first["nexus"] == [dict(sid=3, initiator="iqn.1993-08.org.debian:01:compute1", cids=[0])]
    assert first["accounts"] == ["nv-myvolume-0a1b2c3d"]
    assert first["acls"] == ["iqn.1993-08.org.debian:01:compute1"]
    second = targets["iqn.2010-10.org.openstack:empty"]
    assert (second["tid"], second["luns"], second["nexus"], second["accounts"], second["acls"]) == (2, {}, [], [], ["ALL"])


def test_parse_nothing():
    assert tgt.parse_targets("") == {}


def test_render_conf_is_what_tgt_admin_reads():
    spec = dict(
        iqn="iqn.2010-10.org.openstack:myvolume", device="/dev/nova-volumes/myvolume",
        initiator="iqn.1993-08.org.debian:01:compute1", chap_user="nv-myvolume-0a1b2c3d", chap_password="Zq8xV2mK7pL4rT9w",
    )
    text = tgt.render_conf(spec)
    assert "<target iqn.2010-10.org.openstack:myvolume>" in text
    assert "    backing-store /dev/nova-volumes/myvolume\n" in text
    assert "    initiator-name iqn.1993-08.org.debian:01:compute1\n" in text
    assert "    incominguser nv-myvolume-0a1b2c3d Zq8xV2mK7pL4rT9w\n" in text
