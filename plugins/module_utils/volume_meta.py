# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A volume's metadata, kept with the volume itself as LV tags.

There is no separate database that could disagree with the disks: display name, type, creation
time and the attachment live in tags `nv.<key>=<value>`. LVM allows only [A-Za-z0-9_+.-/=!:&#]
in tags, so every value is stored base64url-encoded (no padding): free text such as a display
name with spaces survives, and decoding never has to guess which keys were encoded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

TAG_PREFIX = "nv."

# The keys we own. Anything else in an LV's tags belongs to someone else and is left alone.
KEYS = (
    "display_name",  # free text given at creation
    "volume_type",  # free text
    "created_at",  # ISO 8601 UTC, e.g. 2026-11-24T20:28:00Z
    "attach_status",  # attached | attaching | detaching
    "attached_host",  # inventory name of the compute host
    "attached_initiator",  # that host's initiator IQN, the only one in the export's ACL
    "mountpoint",  # the device name the user asked for, e.g. /dev/vdb
    "multipath",  # "true" when the host logged in on every portal (a dm-multipath map); absent otherwise
    "snapshot_of",  # on a snapshot made by volume_snapshot: its volume; marks it as a user's snapshot
    "reverted_to",  # on a volume: the last snapshot merged back into it (a revert's re-run is a no-op)
    "cloned_from",  # on a clone: "snapshot NAME" or "volume NAME"
)


def _encode(value):
    return base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(value):
    padded = value + "=" * (-len(value) % 4)
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")


def tag_for(key, value):
    if key not in KEYS:
        raise KeyError("unknown volume metadata key %r" % (key,))
    return "%s%s=%s" % (TAG_PREFIX, key, _encode(str(value)))


def encode(meta):
    """Metadata dict -> sorted list of tags; keys with value None are left out."""
    return sorted(tag_for(key, value) for key, value in meta.items() if value is not None)


def decode(tags):
    """LV tags (list or lvs' comma-separated string) -> metadata dict of our keys only."""
    if isinstance(tags, str):
        tags = [tag for tag in tags.split(",") if tag]
    meta = {}
    for tag in tags:
        if not tag.startswith(TAG_PREFIX) or "=" not in tag:
            continue
        key, value = tag[len(TAG_PREFIX):].split("=", 1)
        if key in KEYS:
            try:
                meta[key] = _decode(value)
            except (ValueError, UnicodeError):
                continue  # a tag of ours that someone edited by hand: ignore, do not crash
    return meta


def tag_changes(current_tags, desired_meta):
    """Tags to add and to delete so that our keys in `current_tags` equal `desired_meta`.

    Keys absent from `desired_meta` are left as they are; keys set to None are removed.
    """
    if isinstance(current_tags, str):
        current_tags = [tag for tag in current_tags.split(",") if tag]
    current_ours = dict(
        (tag[len(TAG_PREFIX):].split("=", 1)[0], tag)
        for tag in current_tags
        if tag.startswith(TAG_PREFIX) and "=" in tag
    )
    add, delete = [], []
    for key, value in desired_meta.items():
        old = current_ours.get(key)
        new = None if value is None else tag_for(key, value)
        if old != new:
            if old is not None:
                delete.append(old)
            if new is not None:
                add.append(new)
    return sorted(add), sorted(delete)
