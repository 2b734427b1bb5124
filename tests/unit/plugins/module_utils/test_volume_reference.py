"""Names from nova's template, and a volume as a person names it (id, LV name, display name)."""

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import (
    NameTemplate, UnresolvedReference, label, resolve)

NOVA = NameTemplate("volume-%08x")
# The CLI fixtures' mixed volume group: two volumes share "scratch"; volume-00000009 is called "7".
MIXED = [
    dict(name="volume-00000001", display_name="web data"),
    dict(name="volume-00000007", display_name="scratch"),
    dict(name="volume-0000001a", display_name="scratch"),
    dict(name="volume-00000009", display_name="7"),
    dict(name="backups", display_name=None),
]


@pytest.mark.parametrize("reference,name", [
    ("1", "volume-00000001"),
    ("26", "volume-0000001a"),
    ("volume-00000007", "volume-00000007"),
    ("web data", "volume-00000001"),
    ("backups", "backups"),
    (" 1 ", "volume-00000001"),
])
def test_resolve(reference, name):
    assert resolve(MIXED, reference, NOVA)["name"] == name


def test_shared_display_name_is_ambiguous():
    with pytest.raises(UnresolvedReference) as error:
        resolve(MIXED, "scratch", NOVA)
    assert error.value.kind == "ambiguous"
    assert str(error.value) == ("volume 'scratch' is ambiguous, it matches 7 (volume-00000007 by display name), "
                                "26 (volume-0000001a by display name): use the LV name")


def test_id_of_one_volume_and_display_name_of_another_is_ambiguous():
    with pytest.raises(UnresolvedReference) as error:
        resolve(MIXED, "7", NOVA)
    assert error.value.kind == "ambiguous"
    assert "7 (volume-00000007 by id), 9 (volume-00000009 by display name)" in str(error.value)


def test_unknown_volume():
    with pytest.raises(UnresolvedReference) as error:
        resolve(MIXED, "42", NOVA)
    assert error.value.kind == "not_found"
    assert str(error.value) == "no volume '42': give an id, LV name or display name from `novavol volume-list`"


def test_ids_through_another_template():
    decimal = NameTemplate("vol%d")
    assert resolve([dict(name="vol10"), dict(name="volume-0000000a")], "10", decimal)["name"] == "vol10"
    assert decimal.number("vol010") is None  # not a name the template makes


@pytest.mark.parametrize("name,expected", [("volume-0000001a", "26"), ("backups", "backups")])
def test_label(name, expected):
    assert label(dict(name=name), NOVA) == expected


@pytest.mark.parametrize("template", ["vol-%s", "volume-%08x-%d", "volume", "Volume-%d"])
def test_bad_templates(template):
    with pytest.raises(ValidationError):
        NameTemplate(template)
