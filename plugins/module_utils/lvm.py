# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LVM command families (one runner each, arguments declared once) and report parsing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner

# The reporting options shared by lvs and vgs: JSON in bytes, so nothing is parsed from text
# tables and no unit suffix has to be guessed.
_REPORT = dict(
    json=fmt.fixed("--reportformat", "json"),
    bytes=fmt.fixed("--units", "b", "--nosuffix"),
    fields=fmt.opt_val("-o"),
    select=fmt.opt_val("--select"),
)

LV_FIELDS = "lv_name,vg_name,lv_size,lv_attr,origin,lv_tags,data_percent,lv_path,lv_time,snap_percent"
VG_FIELDS = "vg_name,vg_size,vg_free,vg_extent_size,pv_count,lv_count,vg_tags"


def lvs_runner(module):
    return CommandRunner(module, "lvs", dict(_REPORT, all=fmt.fixed("-a"), vg=fmt.positional()))


def vgs_runner(module):
    # rc 5 means "volume group not found"; the caller turns that into a clear message.
    return CommandRunner(module, "vgs", dict(_REPORT, vg=fmt.positional()), benign_rcs=(0, 5))


def lvcreate_runner(module):
    return CommandRunner(
        module,
        "lvcreate",
        dict(
            yes=fmt.fixed("--yes"),
            wipe=fmt.flag(["--wipesignatures", "y", "--zero", "y"], ["--wipesignatures", "n", "--zero", "n"]),
            size_bytes=lambda value: [] if value is None else ["-L", "%db" % value],
            snapshot=fmt.fixed("--snapshot"),
            name=fmt.opt_val("-n"),
            tags=fmt.repeated("--addtag"),
            vg=fmt.positional(),  # a VG, or VG/LV as the origin of a snapshot
        ),
    )


def lvresize_runner(module, command):
    """lvextend or lvreduce; `force` only matters to lvreduce."""
    return CommandRunner(
        module,
        command,
        dict(
            force=fmt.fixed("--force"),
            size_bytes=lambda value: [] if value is None else ["-L", "%db" % value],
            lv=fmt.positional(),
        ),
    )


def lvremove_runner(module):
    return CommandRunner(module, "lvremove", dict(force=fmt.fixed("--force"), yes=fmt.fixed("--yes"), lv=fmt.positional()))


def lvchange_runner(module):
    return CommandRunner(
        module,
        "lvchange",
        dict(
            add_tags=fmt.repeated("--addtag"),
            del_tags=fmt.repeated("--deltag"),
            activate=fmt.flag(["-a", "y"], ["-a", "n"]),
            lv=fmt.positional(),
        ),
    )


def _report_rows(out, kind):
    """Rows of an LVM JSON report (`kind` is 'lv' or 'vg')."""
    rows = []
    for report in json.loads(out or "{}").get("report", []):
        rows.extend(report.get(kind, []))
    return rows


def _number(text):
    text = (text or "").strip()
    if not text:
        return None
    return float(text) if "." in text else int(text)


def parse_lvs(out):
    """lvs JSON report -> list of dicts with typed values (sizes in bytes, tags as a list)."""
    volumes = []
    for row in _report_rows(out, "lv"):
        attr = row.get("lv_attr", "")
        volumes.append(
            dict(
                name=row["lv_name"],
                vg=row["vg_name"],
                size=_number(row.get("lv_size")),
                attr=attr,
                # lv_attr's first letter: s/S snapshot (S = invalid), o origin, - plain volume.
                is_snapshot=attr[:1] in ("s", "S"),
                snapshot_invalid=attr[:1] == "S",
                active=attr[4:5] == "a",
                open=attr[5:6] == "o",
                origin=row.get("origin") or None,
                tags=[tag for tag in (row.get("lv_tags") or "").split(",") if tag],
                snap_percent=_number(row.get("snap_percent") or row.get("data_percent")),
                path=row.get("lv_path") or None,
                created=row.get("lv_time") or None,
            )
        )
    return volumes


def parse_vgs(out):
    groups = []
    for row in _report_rows(out, "vg"):
        groups.append(
            dict(
                name=row["vg_name"],
                size=_number(row.get("vg_size")),
                free=_number(row.get("vg_free")),
                extent_size=_number(row.get("vg_extent_size")),
                pv_count=_number(row.get("pv_count")),
                lv_count=_number(row.get("lv_count")),
                tags=[tag for tag in (row.get("vg_tags") or "").split(",") if tag],
            )
        )
    return groups


def read_vg(module, vg):
    """The VG's dict, or None when it does not exist."""
    rc, out, _err = vgs_runner(module).run("json bytes fields vg", json=True, bytes=True, fields=VG_FIELDS, vg=vg)
    if rc != 0:
        return None
    groups = parse_vgs(out)
    return groups[0] if groups else None


def read_lvs(module, vg):
    """All LVs of `vg` (volumes and snapshots) in one lvs call."""
    _rc, out, _err = lvs_runner(module).run("json bytes fields vg", json=True, bytes=True, fields=LV_FIELDS, vg=vg)
    return parse_lvs(out)


def round_up_to_extent(size, extent_size):
    """LVM rounds sizes up to whole extents; compare sizes the way LVM will store them."""
    if not extent_size:
        return size
    return -(-size // extent_size) * extent_size


# --- Volumes as LVs: what the volume and volume_info modules share ---------------------------

GIB = 1024 ** 3

# LVM refuses LV names starting with these (lvcreate: "Names starting "snapshot" are reserved").
# validation.volume_name already excludes '_', so LVM's reserved suffixes (_mlog, _rimage...)
# cannot occur; only the prefixes need checking.
RESERVED_LV_PREFIXES = ("snapshot", "pvmove")


def reserved_lv_name(name):
    """True when LVM would refuse `name` as an LV name although it has only allowed characters."""
    return name.startswith(RESERVED_LV_PREFIXES)


def is_volume(lv):
    """A volume is a plain LV or a snapshot origin (thin volumes too), never a snapshot or a pool."""
    return not lv["is_snapshot"] and lv["attr"][:1] in ("-", "o", "V")


def size_gb(size):
    """Bytes -> GB (GiB, as LVM and nova count them): an int when whole, else 2 decimals."""
    if size is None:
        return None
    gb = size / float(GIB)
    return int(gb) if gb == int(gb) else round(gb, 2)


def gb_text(size):
    """Bytes as GB for messages, rounded down to 2 decimals so free space is never overstated."""
    return "%g GB" % (math.floor(size * 100.0 / GIB) / 100.0)


def device_paths(vg, name):
    """The names a target backend may use for the LV's block device."""
    mapper = "%s-%s" % (vg.replace("-", "--"), name.replace("-", "--"))
    return ("/dev/%s/%s" % (vg, name), "/dev/mapper/" + mapper)


def target_iqn(prefix, name):
    return "%s:%s" % (prefix, name)


def find_export(exports, prefix, vg, name):
    """The export of volume `name` from a backend's exports() dict, or None.

    Matched by its target IQN (<prefix>:<name>) or, when someone exported it under another
    IQN, by its backing device, so that such an export still counts as a user of the volume.
    """
    wanted_iqn = target_iqn(prefix, name)
    if wanted_iqn in exports:
        return exports[wanted_iqn]
    paths = device_paths(vg, name)
    for export in exports.values():
        if export.get("device") in paths:
            return export
    return None


def attachment_recorded(meta):
    """True when the volume's tags record an attachment (or one in progress)."""
    return bool(meta.get("attach_status") or meta.get("attached_host") or meta.get("attached_initiator"))


def users_of_volume(lv, meta, export, snapshots):
    """Why removing or shrinking this LV would hurt someone: a list of reasons (empty: nobody)."""
    reasons = []
    if attachment_recorded(meta):
        reasons.append(
            "its tags record it as %s to %s"
            % (meta.get("attach_status") or "attached", meta.get("attached_host") or meta.get("attached_initiator") or "a host")
        )
    if export is not None:
        reasons.append("it is exported as %s" % export.get("iqn"))
    if lv["open"]:
        reasons.append("the LV is open (in use by a target, a mount or a process)")
    if snapshots:
        reasons.append("it has snapshots: %s" % ", ".join(sorted(snapshots)))
    return reasons
