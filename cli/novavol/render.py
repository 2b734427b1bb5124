"""The classic nova tables and the JSON for CI."""

import json

LIST_COLUMNS = (
    ("ID", lambda v: v["id"] if v["id"] is not None else v["name"]),
    ("Status", lambda v: v["status"]),
    ("Display Name", lambda v: v["display_name"]),
    ("Size", lambda v: v["size"]),
    ("Volume Type", lambda v: v["volume_type"]),
    ("Attached to", lambda v: v["attached_to"] or ""),
)

# Shown only when some volume is thin, so that a listing of thick volumes stays nova's table.
PROVISIONING_COLUMN = ("Provisioning", lambda v: v.get("provisioning") or "thick")

# pool-list's columns: volume_info's figures of each thin pool.
POOL_COLUMNS = (
    ("Name", lambda p: p["name"]),
    ("Size", lambda p: p["size"]),
    ("Data %", lambda p: p["data_percent"]),
    ("Metadata %", lambda p: p["metadata_percent"]),
    ("Virtual Size", lambda p: p["virtual_size"]),
    ("Ratio", lambda p: p["over_subscription_ratio"]),
    ("Volumes", lambda p: p["volumes"]),
    ("State", lambda p: p["state"]),
    ("Reason", lambda p: p.get("state_reason") or ""),
)

# snapshot-list's columns, as nova's.
SNAPSHOT_COLUMNS = (
    ("ID", lambda s: s["id"] if s["id"] is not None else s["name"]),
    ("Volume ID", lambda s: s["volume_id"] if s["volume_id"] is not None else s["origin"]),
    ("Status", lambda s: s["status"]),
    ("Display Name", lambda s: s["display_name"]),
    ("Size", lambda s: s["size"]),
)
SNAPSHOT_SHOW_FIRST = ("id", "name", "volume_id", "origin", "status", "status_reason", "display_name", "size",
                       "provisioning", "created_at")

# backup-list's columns: volume_backup_info's points, oldest first.
BACKUP_COLUMNS = (
    ("Time", lambda b: (b["time"] or "")[:19].replace("T", " ")),
    ("Format", lambda b: b["format"] if b.get("complete", True) else b["format"] + " (incomplete)"),
    ("Content", lambda b: b["content"]),
    ("Size", lambda b: human_bytes(b["size"])),
    ("Added", lambda b: human_bytes(b["added"])),
    ("ID", lambda b: b["id"]),
)

# volume-show's rows, in nova's order; anything else volume_info reports follows, sorted.
SHOW_FIRST = ("id", "name", "status", "status_reason", "display_name", "size", "volume_type", "provisioning", "thin_pool",
              "attached_to", "mountpoint", "created_at")


def cell(value):
    if value is None:
        return "None"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def human_bytes(size):
    """Bytes as people read them (binary units, one decimal); None stays None."""
    if size is None:
        return None
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return "%d B" % value if unit == "B" else "%.1f %s" % (value, unit)
        value /= 1024.0
    return "%.1f TiB" % value


def table(headers, rows):
    """A prettytable-style table, cells left-aligned like novaclient's print_list."""
    rows = [[cell(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(value)) for width, value in zip(widths, row)]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def line(values):
        return "| " + " | ".join(value.ljust(width) for value, width in zip(values, widths)) + " |"

    out = [rule, line(headers), rule]
    out.extend(line(row) for row in rows)
    out.append(rule)
    return "\n".join(out)


def volume_table(volumes):
    columns = list(LIST_COLUMNS)
    if any(volume.get("provisioning") == "thin" for volume in volumes):
        columns.insert(-1, PROVISIONING_COLUMN)
    headers = [header for header, _get in columns]
    return table(headers, [[get(volume) for _header, get in columns] for volume in volumes])


def snapshot_table(snapshots):
    return table([header for header, _get in SNAPSHOT_COLUMNS],
                 [[get(snapshot) for _header, get in SNAPSHOT_COLUMNS] for snapshot in snapshots])


def backup_table(backups):
    return table([header for header, _get in BACKUP_COLUMNS],
                 [[get(backup) for _header, get in BACKUP_COLUMNS] for backup in backups])


def pool_table(pools):
    return table([header for header, _get in POOL_COLUMNS], [[get(pool) for _header, get in POOL_COLUMNS] for pool in pools])


def property_table(record, first=SHOW_FIRST):
    keys = [key for key in first if key in record]
    keys += sorted(key for key in record if key not in first)
    return table(["Property", "Value"], [[key, record[key]] for key in keys])


def to_json(data):
    return json.dumps(data, indent=2, sort_keys=True, default=str)
