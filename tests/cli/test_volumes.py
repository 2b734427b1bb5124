"""nova's integer ids in LV names, and resolving a VOLUME argument."""

import pytest

from novavol import volumes as vol
from novavol.errors import UsageError

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


@pytest.mark.parametrize("reference,name", [
    ("1", "volume-00000001"),
    ("26", "volume-0000001a"),
    ("volume-00000007", "volume-00000007"),
    ("web data", "volume-00000001"),
    ("backups", "backups"),
    (" 1 ", "volume-00000001"),
])
def test_resolve(reference, name):
    assert vol.resolve(mixed(), reference)["name"] == name


def test_shared_display_name_is_ambiguous():
    with pytest.raises(UsageError) as error:
        vol.resolve(mixed(), "scratch")
    assert "ambiguous" in error.value.message
    assert "volume-00000007" in error.value.message and "volume-0000001a" in error.value.message


def test_id_of_one_volume_and_display_name_of_another_is_ambiguous():
    # id 7 is volume-00000007; volume-00000009's display name is "7"
    with pytest.raises(UsageError) as error:
        vol.resolve(mixed(), "7")
    assert "7 (volume-00000007 by id)" in error.value.message
    assert "9 (volume-00000009 by display name)" in error.value.message
    assert error.value.exit_code == 2


def test_unknown_volume():
    with pytest.raises(UsageError) as error:
        vol.resolve(mixed(), "42")
    assert error.value.message.startswith("no volume '42'")
