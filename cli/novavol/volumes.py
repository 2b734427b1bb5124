"""Volumes as the CLI shows them: nova's integer ids, and resolving what the user typed.

A volume's id is encoded in its LV name with nova's template `volume-%08x` (id 26 is
`volume-0000001a`); there is no other id store. New volumes get the next integer after the
highest id in the volume group.
"""

import re

from novavol.errors import UsageError

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


def sort_key(volume):
    return (volume["id"] is None, volume["id"] or 0, volume["name"] or "")


def label(volume):
    """How messages name a volume: its id when it has one, else its LV name."""
    return str(volume["id"]) if volume["id"] is not None else volume["name"]


def resolve(volumes, reference):
    """The one volume `reference` means: integer id, LV name or display name.

    A reference that matches different volumes in different ways (id 7 and another volume's
    display name "7"), or a display name shared by several volumes, is an error: guessing
    could attach or delete the wrong disk.
    """
    reference = reference.strip()
    matches = {}
    if reference.isdigit():
        for volume in volumes:
            if volume["id"] == int(reference):
                matches.setdefault(volume["name"], (volume, "id"))
    for volume in volumes:
        if volume["name"] == reference:
            matches.setdefault(volume["name"], (volume, "LV name"))
    for volume in volumes:
        if volume["display_name"] == reference:
            matches.setdefault(volume["name"], (volume, "display name"))
    if not matches:
        raise UsageError("no volume %r: give an id, LV name or display name from `novavol volume-list`" % reference)
    if len(matches) > 1:
        described = ", ".join(
            "%s (%s by %s)" % (label(volume), volume["name"], how) for volume, how in matches.values()
        )
        raise UsageError("volume %r is ambiguous, it matches %s: use the LV name" % (reference, described))
    return next(iter(matches.values()))[0]
