# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A volume as volume_info lists it: its status worked out from LVM, its tags and its export
together. volume_info lists every volume (and snapshot) this way; volume (and volume_snapshot)
return the one they have just made the same way, so that `novavol volume-create` (and
`snapshot-create`) need no second read. Also the reads that name a volume before a module acts
on it: the volume a reference means, and the next name a new volume may take."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks, lvm, volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import portal_text
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import resolve


def volume_status(lv, meta, export):
    """(status, reason): what LVM, the export and the tags together say about a volume."""
    host = meta.get("attached_host") or meta.get("attached_initiator")
    initiator = meta.get("attached_initiator")
    acls = (export or {}).get("acls") or []
    if not lv["active"]:
        return "error", "the LV is not active"
    if meta.get("attach_status") in ("attaching", "detaching"):
        return meta["attach_status"], None
    if lvm.attachment_recorded(meta):
        if export is None:
            return "error", "its tags say it is attached to %s, but no export exists" % host
        if initiator and initiator not in acls:
            return "error", "it is attached to %s, but the export's ACL does not allow %s (ACL: %s)" % (
                host, initiator, ", ".join(acls) or "empty")
        if not initiator:
            return "error", "its tags say it is attached to %s, but record no initiator" % host
        return "in-use", None
    if export is not None:
        return "error", "it is exported as %s, but no attachment is recorded" % export.get("iqn")
    return "available", None


def export_portals(export):
    """The portals (address:port) an export is reached on: each path of a multipath attachment
    is one of them. None where the backend's portal is host-wide (tgt, IET: the iscsi_target
    role's listener), [] for a volume not exported."""
    if export is None:
        return []
    portals = export.get("portals")
    return None if portals is None else [portal_text(*portal) for portal in portals]


def describe_volume(lv, vg_name, exports, prefix):
    meta = volume_meta.decode(lv["tags"])
    export = lvm.find_export(exports, prefix, vg_name, lv["name"])
    status, reason = volume_status(lv, meta, export)
    return dict(
        id=lv["name"],
        name=lv["name"],
        status=status,
        status_reason=reason,
        display_name=meta.get("display_name"),
        size=lvm.size_gb(lv["size"]),
        size_bytes=lv["size"],
        volume_type=meta.get("volume_type"),
        attached_to=meta.get("attached_host"),
        attached_initiator=meta.get("attached_initiator"),
        mountpoint=meta.get("mountpoint"),
        multipath=meta.get("multipath") == "true",
        device=lv["path"],
        created_at=meta.get("created_at") or lv["created"],
        target_iqn=lvm.target_iqn(prefix, lv["name"]),
        exported=export is not None,
        export_acls=list((export or {}).get("acls") or []),
        export_portals=export_portals(export),
        active=lv["active"],
        open=lv["open"],
        provisioning=lvm.provisioning(lv),
        thin_pool=lv["pool"] if lv["is_thin"] else None,
    )


def describe_snapshot(lv):
    invalid = lv["snapshot_invalid"]
    meta = volume_meta.decode(lv["tags"])
    return dict(
        id=lv["name"],
        name=lv["name"],
        origin=meta.get("snapshot_of") or lv["origin"],
        display_name=meta.get("display_name"),
        provisioning=lvm.provisioning(lv),
        status="error" if invalid else "available",
        status_reason="LVM marks the snapshot invalid: its copy-on-write space overflowed" if invalid else None,
        size=lvm.size_gb(lv["size"]),
        size_bytes=lv["size"],
        used_percent=None if lv["is_thin"] else lv["snap_percent"],
        device=lv["path"],
        created_at=meta.get("created_at") or lv["created"],
    )


def read_exports(backend, what, lock_timeout):
    """The backend's exports, read under the target configuration's lock as every other read of
    it: an attach at the same time makes its target step by step, and a half-made LUN cannot be
    read. `what` names the run in the lock file."""
    with locks.held([locks.TARGET_CONFIG], "%s: reading the exports" % what, wait=lock_timeout):
        return backend.exports()


def next_free_name(module, backend, vg, template, target_prefix, what, lock_timeout):
    """(The next free name of the NameTemplate `template`, the exports read to find it). Every LV
    of the group counts as taken, and so does every volume an export still names: a new volume
    must never appear on an export that still lets an old initiator in. The caller holds the
    volume group's lock of new names."""
    lv_names = [lv["name"] for lv in lvm.read_lvs(module, vg)]
    exports = read_exports(backend, what, lock_timeout)
    prefix = target_prefix + ":"
    exported = [iqn[len(prefix):] for iqn in exports if iqn.startswith(prefix)]
    return template.next_name(lv_names + exported), exports


def resolve_reference(module, vg, reference, template):
    """The LV name of the volume `reference` means (volume_reference.resolve). Read without the
    volume's lock, which needs the name first: the caller plans from a second read under it."""
    volumes = [dict(name=lv["name"], display_name=volume_meta.decode(lv["tags"]).get("display_name"))
               for lv in lvm.read_lvs(module, vg) if lvm.is_volume(lv)]
    return resolve(volumes, reference, template)["name"]


def record_of(module, vg, name, exports, target_prefix):
    """The volume `name` as volume_info lists it, read again after a module made or changed it;
    None when it does not exist."""
    found = [lv for lv in lvm.read_lvs(module, vg) if lv["name"] == name]
    return describe_volume(found[0], vg, exports, target_prefix) if found else None
