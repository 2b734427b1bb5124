"""Volumes as the CLI shows them: nova's integer ids. (What the user typed for a volume is
resolved on the controller: volume_info's `reference`, module_utils/volume_reference.py.)

A volume's id is encoded in its LV name with nova's template `volume-%08x` (id 26 is
`volume-0000001a`); there is no other id store. New volumes get the next integer after the
highest id in the volume group.
"""

import re


NAME_TEMPLATE = "volume-%08x"
_NAME = re.compile(r"^volume-([0-9a-f]{8})$")


def volume_id(name):
    """The integer id encoded in an LV name, or None for an LV not named from the template."""
    match = _NAME.match(name or "")
    return int(match.group(1), 16) if match else None


def volume_name(volume_id_):
    return NAME_TEMPLATE % volume_id_


def next_id(volumes):
    ids = [v["id"] for v in volumes if v.get("id") is not None]
    return max(ids) + 1 if ids else 1


def size_gb(raw):
    """volume_info's size is GB as a float; nova showed whole GB as integers."""
    size = raw.get("size")
    if isinstance(size, float) and size.is_integer():
        return int(size)
    return size


def normalize(raw):
    """A volume_info record -> the CLI's record (raw fields kept, the shown ones normalized).

    volume_info's `id` is the LV name; the CLI's `id` is nova's integer (null for an LV not
    named from the template), and `name` stays the LV name."""
    volume = dict(raw)
    volume.update(
        id=volume_id(raw.get("name")),
        name=raw.get("name"),
        status=raw.get("status") or "unknown",
        display_name=raw.get("display_name") or None,
        size=size_gb(raw),
        volume_type=raw.get("volume_type") or None,
        attached_to=raw.get("attached_to") or raw.get("attached_host") or None,
        mountpoint=raw.get("mountpoint") or None,
    )
    return volume


# Snapshots: named from their own template (LVM reserves names starting with "snapshot", so not
# nova's snapshot-%08x); their integer id is encoded the same way.
SNAPSHOT_TEMPLATE = "snap-%08x"
_SNAPSHOT_NAME = re.compile(r"^snap-([0-9a-f]{8})$")


def snapshot_id(name):
    match = _SNAPSHOT_NAME.match(name or "")
    return int(match.group(1), 16) if match else None


def lv_name(reference, template):
    """What the user typed for a snapshot or a source volume -> its LV name: an integer id through
    the template, anything else as it is (these commands are one module call, with no listing to
    resolve display names against)."""
    reference = reference.strip()
    return template % int(reference) if reference.isdigit() else reference


def normalize_snapshot(raw):
    """A volume_info snapshot record -> the CLI's: `id` nova's integer (null for other names),
    `volume_id` its volume's."""
    snapshot = dict(raw)
    snapshot.update(
        id=snapshot_id(raw.get("name")),
        name=raw.get("name"),
        volume_id=volume_id(raw.get("origin")),
        status=raw.get("status") or "unknown",
        display_name=raw.get("display_name") or None,
        size=size_gb(raw),
    )
    return snapshot


def sort_key(volume):
    return (volume["id"] is None, volume["id"] or 0, volume["name"] or "")


def label(volume):
    """How messages name a volume: its id when it has one, else its LV name."""
    return str(volume["id"]) if volume["id"] is not None else volume["name"]
