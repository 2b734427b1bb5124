import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


@pytest.mark.parametrize("value, expected", [
    (10, 10 * 1024 ** 3),
    ("10", 10 * 1024 ** 3),
    ("512M", 512 * 1024 ** 2),
    ("1.5G", 3 * 1024 ** 3 // 2),
    ("2TiB", 2 * 1024 ** 4),
    ("64 mb", 64 * 1024 ** 2),
])
def test_sizes(value, expected):
    assert validation.size_bytes(value) == expected


@pytest.mark.parametrize("value", [0, -1, "0", "-5G", "ten", "10X", "", True, "0.0000000001"])
def test_bad_sizes(value):
    with pytest.raises(ValidationError):
        validation.size_bytes(value)


@pytest.mark.parametrize("name", ["volume-00000001", "myvolume", "a", "db.data-1"])
def test_good_volume_names(name):
    assert validation.volume_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", "My Volume", "vol_1", "UPPER", "a" * 64, "semi;colon", "../x"])
def test_bad_volume_names(name):
    with pytest.raises(ValidationError, match="invalid volume name"):
        validation.volume_name(name)


@pytest.mark.parametrize("name", [
    "iqn.2010-10.org.openstack:volume-00000001",
    "iqn.2004-10.com.debian:01:3ab4c5d6e7f8",
    "iqn.2026-11.org.example:x",
    "eui.0123456789ABCDEF",
])
def test_good_iqns(name):
    assert validation.iqn(name) == name


@pytest.mark.parametrize("name", [
    "iqn.2026-11.lab:x",  # one-label naming authority: rtslib refuses it
    "iqn.2026-13.org.example:x",
    "iqn.26-11.org.example:x",
    "IQN.2026-11.org.example:x",
    "iqn.2026-11.org.example:has space",
    "iqn.2026-11.org.example:under_score",
    "",
])
def test_bad_iqns(name):
    with pytest.raises(ValidationError, match="invalid IQN"):
        validation.iqn(name)


@pytest.mark.parametrize("name, ok", [("nova-volumes", True), ("vg_01", True), ("-vg", False), ("..", False),
                                      ("has space", False), ("", False)])
def test_vg_names(name, ok):
    if ok:
        assert validation.vg_name(name) == name
    else:
        with pytest.raises(ValidationError):
            validation.vg_name(name)


def test_absolute_path():
    assert validation.absolute_path("/srv/backups/../b") == "/srv/b"
    with pytest.raises(ValidationError):
        validation.absolute_path("relative/path")
