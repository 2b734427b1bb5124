"""nova's integer ids in LV names, as the CLI shows them (volume_info resolves a VOLUME argument:
tests/unit/plugins/module_utils/test_volume_reference.py)."""

import pytest

from novavol import volumes as vol

from .conftest import load_run


def mixed():
    res = load_run("list_mixed").module_results("volume_info")[0].res
    return [vol.normalize(raw) for raw in res["volumes"]]


@pytest.mark.parametrize("volume_id,name", [(1, "volume-00000001"), (26, "volume-0000001a"),
                                            (4294967295, "volume-ffffffff")])
def test_id_and_name_round_trip(volume_id, name):
    assert vol.volume_name(volume_id) == name
    assert vol.volume_id(name) == volume_id


@pytest.mark.parametrize("name", ["backups", "volume-1a", "volume-0000001A", "volume-0000001a-snap", "", None])
def test_names_outside_the_template_have_no_id(name):
    assert vol.volume_id(name) is None


def test_next_id_follows_the_highest():
    assert vol.next_id(mixed()) == 27  # volume-0000001a is 26; "backups" has no id
    assert vol.volume_name(vol.next_id(mixed())) == "volume-0000001b"


def test_next_id_of_an_empty_group_is_1():
    assert vol.next_id([]) == 1


def test_normalize_keeps_the_lv_name_and_gives_the_integer_id():
    volume = next(v for v in mixed() if v["name"] == "volume-00000001")
    assert volume["id"] == 1
    assert volume["size"] == 10 and isinstance(volume["size"], int)
    assert volume["attached_to"] == "compute1" and volume["status"] == "in-use"


def test_fractional_sizes_stay_fractional():
    assert next(v for v in mixed() if v["name"] == "volume-00000007")["size"] == 0.5
