"""Parsing of ietd's /proc files and ietd.conf (representative output: no distribution ships ietd)."""

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import iet

VOLUME = """tid:2 name:iqn.2010-10.org.openstack:myvolume
\tlun:0 state:0 iotype:blockio iomode:wt blocks:20971520 blocksize:512 path:/dev/nova-volumes/myvolume
tid:1 name:iqn.2010-10.org.openstack:other
"""
SESSION = """tid:2 name:iqn.2010-10.org.openstack:myvolume
\tsid:281474997486080 initiator:iqn.1993-08.org.debian:01:compute1
\t\tcid:0 ip:10.77.0.11 state:active hd:none dd:none
"""


def test_parse_volume():
    targets = iet.parse_proc(VOLUME)
    assert [(t["tid"], t["name"]) for t in targets] == [(2, "iqn.2010-10.org.openstack:myvolume"), (1, "iqn.2010-10.org.openstack:other")]
    assert targets[0]["children"][0]["path"] == "/dev/nova-volumes/myvolume"
    assert targets[1]["children"] == []


def test_parse_session():
    (target,) = iet.parse_proc(SESSION)
    assert [child.get("initiator") for child in target["children"] if "sid" in child] == ["iqn.1993-08.org.debian:01:compute1"]


def test_conf_blocks_keep_other_text():
    text = "MaxConnections 1\nTarget iqn.a:x\n    Lun 0 Path=/dev/x,Type=blockio\nTarget iqn.a:y\n    IncomingUser u p\n"
    blocks = iet.conf_blocks(text)
    assert [name for name, _lines in blocks] == [None, "iqn.a:x", "iqn.a:y"]
    assert blocks[2][1] == ["Target iqn.a:y", "    IncomingUser u p"]
