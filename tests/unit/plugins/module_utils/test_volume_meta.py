from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import volume_meta


def test_round_trip_free_text():
    meta = {"display_name": "My Volume, ünïcode & all", "volume_type": "ssd", "mountpoint": "/dev/vdb"}
    tags = volume_meta.encode(meta)
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-/=!:&#")
    assert all(set(tag) <= allowed for tag in tags)
    assert volume_meta.decode(tags) == meta
    assert volume_meta.decode(",".join(tags)) == meta


def test_decode_ignores_foreign_and_broken_tags():
    tags = ["backup", "nv.unknown=eA", "nv.display_name=%%%", volume_meta.tag_for("volume_type", "hdd")]
    assert volume_meta.decode(tags) == {"volume_type": "hdd"}


def test_tag_changes_only_touches_named_keys():
    current = volume_meta.encode({"display_name": "old", "volume_type": "hdd"}) + ["foreign"]
    add, delete = volume_meta.tag_changes(current, {"display_name": "new", "attached_host": None})
    assert add == [volume_meta.tag_for("display_name", "new")]
    assert delete == [volume_meta.tag_for("display_name", "old")]
    assert volume_meta.tag_changes(current, {"volume_type": "hdd"}) == ([], [])
