# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LVM command families (one runner each, arguments declared once) and report parsing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import blkid
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError, CommandRunner, parse_fields

# The reporting options shared by lvs and vgs: JSON in bytes, so nothing is parsed from text
# tables and no unit suffix has to be guessed.
_REPORT = dict(
    json=fmt.fixed("--reportformat", "json"),
    bytes=fmt.fixed("--units", "b", "--nosuffix"),
    fields=fmt.opt_val("-o"),
    select=fmt.opt_val("--select"),
)

# pool_lv and metadata_percent: a thin volume's pool, and how full a thin pool's metadata is (its
# data use is data_percent), so that the pool checks need no second read.
LV_FIELDS = "lv_name,vg_name,lv_size,lv_attr,origin,lv_tags,data_percent,lv_path,lv_time,snap_percent,pool_lv,metadata_percent"
# What only the thin_pool module needs of a pool: its chunk size and metadata size.
POOL_FIELDS = "lv_name,lv_attr,lv_size,chunk_size,lv_metadata_size,data_percent,metadata_percent"
VG_FIELDS = "vg_name,vg_size,vg_free,vg_extent_size,pv_count,lv_count,vg_tags"
# lvs can report the VG's own fields on each LV row: a listing then needs no vgs call.
LV_AND_VG_FIELDS = LV_FIELDS + "," + ",".join(field for field in VG_FIELDS.split(",") if field != "vg_name")


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
            # A thin snapshot is made inactive and skipped by activation; a clone is a volume.
            no_activation_skip=fmt.fixed("--setactivationskip", "n"),
            activate=fmt.fixed("--activate", "y"),
            # A thin volume: its virtual size (-V) in the thin pool; or a thin pool itself.
            thin=fmt.fixed("--type", "thin"),
            virtual_size_bytes=lambda value: [] if value is None else ["-V", "%db" % value],
            thinpool=fmt.opt_val("--thinpool"),
            thin_pool=fmt.fixed("--type", "thin-pool"),
            zero=fmt.fixed("--zero", "y"),
            chunk_size_bytes=lambda value: [] if value is None else ["--chunksize", "%db" % value],
            metadata_size_bytes=lambda value: [] if value is None else ["--poolmetadatasize", "%db" % value],
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
            metadata_size_bytes=lambda value: [] if value is None else ["--poolmetadatasize", "%db" % value],
            lv=fmt.positional(),
        ),
    )


def lvremove_runner(module):
    return CommandRunner(module, "lvremove", dict(force=fmt.fixed("--force"), yes=fmt.fixed("--yes"), lv=fmt.positional()))


def lvconvert_runner(module):
    """Merges of a snapshot into its origin: --mergethin for a thin snapshot, --merge for a thick
    one (which waits for the merge, polling every --interval seconds)."""
    return CommandRunner(
        module,
        "lvconvert",
        dict(
            merge=fmt.fixed("--merge"),
            mergethin=fmt.fixed("--mergethin"),
            interval=fmt.opt_val("--interval"),
            lv=fmt.positional(),
        ),
    )


def dd_runner(module):
    """A block copy, streamed in 4 MiB blocks that bypass the page cache (the guests have little
    memory); `sparse` skips writing all-zero blocks, only right for a target that reads as zeros."""
    return CommandRunner(
        module,
        "dd",
        dict(
            source=lambda value: ["if=%s" % value],
            target=lambda value: ["of=%s" % value],
            blocks=fmt.fixed("bs=4M", "iflag=direct", "oflag=direct", "status=none"),
            # One piece of a copy in chunks, counted in 4 MiB blocks (block_copy.py).
            skip=fmt.opt_eq_val("skip"),
            seek=fmt.opt_eq_val("seek"),
            count=fmt.opt_eq_val("count"),
            sparse=fmt.flag("conv=sparse,fsync", "conv=fsync"),
        ),
    )


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
                # lv_attr's first letter: s/S snapshot (S = invalid), o origin, - plain volume,
                # V thin volume, t thin pool.
                is_snapshot=attr[:1] in ("s", "S"),
                is_thin=attr[:1] == "V",
                is_thin_pool=attr[:1] == "t",
                pool=row.get("pool_lv") or None,
                data_percent=_number(row.get("data_percent")),
                metadata_percent=_number(row.get("metadata_percent")),
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


def _vg_from_row(row):
    return dict(
        name=row["vg_name"],
        size=_number(row.get("vg_size")),
        free=_number(row.get("vg_free")),
        extent_size=_number(row.get("vg_extent_size")),
        pv_count=_number(row.get("pv_count")),
        lv_count=_number(row.get("lv_count")),
        tags=[tag for tag in (row.get("vg_tags") or "").split(",") if tag],
    )


def parse_vgs(out):
    return [_vg_from_row(row) for row in _report_rows(out, "vg")]


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


def read_vg_and_lvs(module, vg):
    """(the VG's dict, or None when it does not exist; all its LVs) from one lvs call whose rows
    carry the VG's fields too. vgs runs only when lvs lists no LV: an empty VG, or one that is not
    there (lvs fails then, and vgs tells the two apart)."""
    runner, args = lvs_runner(module), dict(json=True, bytes=True, fields=LV_AND_VG_FIELDS, vg=vg)
    rc, out, err = runner.run("json bytes fields vg", check=False, **args)
    rows = _report_rows(out, "lv") if rc == 0 else []
    if rows:
        return _vg_from_row(rows[0]), parse_lvs(out)
    found = read_vg(module, vg)
    if found is not None and rc != 0:
        raise CommandError(runner.argv("json bytes fields vg", **args), rc, out, err)
    return found, []


def read_pool(module, vg, name):
    """The LV `name` of `vg` with its pool fields (None when there is no such LV), in one lvs call
    over the VG: asking lvs for a missing LV by name is an error, not an empty report."""
    _rc, out, _err = lvs_runner(module).run("json bytes fields vg", json=True, bytes=True, fields=POOL_FIELDS, vg=vg)
    for row in _report_rows(out, "lv"):
        if row["lv_name"] == name:
            attr = row.get("lv_attr", "")
            return dict(
                name=name,
                attr=attr,
                is_thin_pool=attr[:1] == "t",
                size=_number(row.get("lv_size")),
                chunk_size=_number(row.get("chunk_size")),
                metadata_size=_number(row.get("lv_metadata_size")),
                data_percent=_number(row.get("data_percent")),
                metadata_percent=_number(row.get("metadata_percent")),
            )
    return None


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


# The tag the backup's own temporary snapshots carry (module_utils/backup.py): never a user's.
BACKUP_SNAPSHOT_TAG = "novavolume.backup"


def snapshot_of(lv):
    """The volume a snapshot made by volume_snapshot was taken of (its tag), else None. A thin
    snapshot looks like any thin volume to LVM (lv_attr V), and a thin clone has an origin too:
    only the tag tells a user's snapshot."""
    return volume_meta.decode(lv["tags"]).get("snapshot_of")


def is_volume(lv):
    """A volume is a plain LV or a snapshot origin (thin volumes and clones too), never a
    snapshot or a pool."""
    return not lv["is_snapshot"] and lv["attr"][:1] in ("-", "o", "V") and snapshot_of(lv) is None


def is_listed_snapshot(lv):
    """What volume_info lists as a snapshot: one made by volume_snapshot, or a thick snapshot
    made by hand; never the backup's temporary ones."""
    return snapshot_of(lv) is not None or (lv["is_snapshot"] and BACKUP_SNAPSHOT_TAG not in lv["tags"])


def snapshots_of(lvs, name):
    """The names of the snapshots of volume `name`: the users' (thin or thick) and any thick
    snapshot LVM has of it, the backup's included."""
    return sorted(lv["name"] for lv in lvs
                  if snapshot_of(lv) == name or (lv["is_snapshot"] and lv["origin"] == name))


def provisioning(lv):
    """thin or thick, as LVM says (lv_attr V): derived from the LV, so no tag can disagree."""
    return "thin" if lv.get("is_thin") else "thick"


def thin_pools(lvs):
    """The thin pools among `lvs` by name: their size, use and the virtual size given out.

    `virtual` is the sum of the sizes of the thin volumes and thin snapshots in the pool; `ratio`
    its oversubscription (virtual / size), as Cinder counts it; `volumes` counts the volumes only.
    """
    pools = {}
    for lv in lvs:
        if lv["is_thin_pool"]:
            pools[lv["name"]] = dict(
                name=lv["name"],
                size=lv["size"],
                data_percent=lv["data_percent"] or 0,
                metadata_percent=lv["metadata_percent"] or 0,
                # lv_attr's eighth letter: z when the pool zeroes the blocks it hands out.
                zeroing=lv["attr"][7:8] == "z",
                virtual=0,
                volumes=0,
            )
    for lv in lvs:
        if lv["is_thin"] and lv["pool"] in pools:
            # A thin snapshot may come to take its full size as its volume is rewritten: it counts
            # in the virtual size, as Cinder counts snapshots, but it is not a volume.
            pools[lv["pool"]]["virtual"] += lv["size"]
            pools[lv["pool"]]["volumes"] += 0 if snapshot_of(lv) else 1
    for pool in pools.values():
        pool["ratio"] = over_subscription(pool["virtual"], pool["size"])
    return pools


def thin_pool_refusals(pools, lvs_by_name, vg_name, added, max_ratio, full_threshold, force):
    """Why the thin pools named in `added` cannot take what a run adds to them: a list of messages.

    `added` maps a pool's name to the virtual size (bytes) the run adds to it (its creations and
    growths, less what it removes or shrinks). The volume and volume_snapshot modules both check
    here, so that a snapshot is refused for the same reasons as a volume. With force only a
    missing pool is refused."""
    errors = []
    for name in sorted(added):
        if name not in pools:
            lv = lvs_by_name.get(name)
            errors.append(
                "thin pool %s does not exist in volume group %s%s: create it first (the volume_group role "
                "with volume_group_thin_pool: true, or the thin_pool module), or give another thin_pool"
                % (name, vg_name, " (an LV of that name exists, with lv_attr %s)" % lv["attr"] if lv else ""))
            continue
        pool = pools[name]
        virtual = pool["virtual"] + added[name]
        if force:
            continue
        if float(virtual) / pool["size"] > max_ratio:
            errors.append(
                "refusing to oversubscribe thin pool %s: its thin volumes would have %s of virtual size in a "
                "pool of %s, a ratio of %s, above max_over_subscription_ratio %g (raise that option, grow the "
                "pool, or use force)" % (name, gb_text(virtual), gb_text(pool["size"]),
                                         over_subscription(virtual, pool["size"]), max_ratio))
        if not pool["zeroing"]:
            errors.append(
                "refusing to add to thin pool %s: it does not zero the blocks it hands out, so a thin volume "
                "could show a deleted volume's data (turn zeroing on with lvchange --zero y, or use force)" % name)
        full = ["its %s use is %g%%" % (what, pool[what + "_percent"]) for what in ("data", "metadata")
                if pool[what + "_percent"] > full_threshold]
        if full:
            errors.append(
                "refusing to add to thin pool %s: %s, above pool_full_threshold %g%% (free or grow the pool, "
                "raise that option, or use force)" % (name, " and ".join(full), full_threshold))
    return errors


def over_subscription(virtual, pool_size):
    return round(float(virtual) / pool_size, 2) if pool_size else 0.0


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


# --- What an LV holds: read-only probes before a forced shrink -------------------------------


def sfdisk_runner(module):
    return CommandRunner(module, "sfdisk", dict(json=fmt.fixed("--json"), device=fmt.positional()))


def dumpe2fs_runner(module):
    return CommandRunner(module, "dumpe2fs", dict(header=fmt.fixed("-h"), device=fmt.positional()))


EXT_FILE_SYSTEMS = ("ext2", "ext3", "ext4")


def partition_table_end(out):
    """`sfdisk --json` -> the end of the last partition in bytes (0 without partitions).

    Raises ValueError when sfdisk does not report the sector size (older util-linux does not):
    guessing it could put the end of the data below where it is.
    """
    table = json.loads(out or "{}").get("partitiontable") or {}
    sector_size = table.get("sectorsize")
    if not sector_size:
        raise ValueError("sfdisk did not report the sector size of the partition table")
    last_sector = max([int(part["start"]) + int(part["size"]) for part in table.get("partitions") or []] or [0])
    return last_sector * int(sector_size)


def ext_file_system_end(out):
    """`dumpe2fs -h` -> the size of the ext2/3/4 file system in bytes (block count x block size)."""
    fields = parse_fields(out, ":")
    try:
        return int(fields["Block count"]) * int(fields["Block size"])
    except (KeyError, ValueError):
        raise ValueError("dumpe2fs -h printed no block count and block size")


def probe_contents(module, device):
    """What the block device holds and where that data ends, read-only, before a shrink.

    Returns a dict: `holds`, what was found ("an ext4 file system", "a dos partition table", or
    the signature's type; None when blkid found no signature), `end`, the byte where that data
    ends (0 when nothing was found), and `unreadable`, the reason when something was found whose
    end cannot be read (the caller must then refuse to shrink).
    Raises CommandError when a probe fails.
    """
    found, ambivalent = blkid.probe(module, device)
    contents = dict(holds=None, end=0, unreadable=None)
    if ambivalent:
        contents.update(holds="contradicting signatures", unreadable="blkid found contradicting signatures on it")
        return contents
    fs_type, table_type = found.get("TYPE"), found.get("PTTYPE")
    holds = []
    try:
        if fs_type:
            if fs_type == "xfs":
                contents["unreadable"] = "it holds an xfs file system, and xfs cannot shrink"
            elif fs_type in EXT_FILE_SYSTEMS:
                holds.append("an %s file system" % fs_type)
                _rc, dump, _err = dumpe2fs_runner(module).run("header device", header=True, device=device)
                contents["end"] = ext_file_system_end(dump)
            else:
                contents["unreadable"] = "it holds a %s signature whose size this module cannot read" % fs_type
        if table_type and not contents["unreadable"]:
            holds.append("a %s partition table" % table_type)
            _rc, dump, _err = sfdisk_runner(module).run("json device", json=True, device=device)
            contents["end"] = max(contents["end"], partition_table_end(dump))
    except ValueError as error:
        contents["unreadable"] = "the end of its data cannot be read: %s" % error
    contents["holds"] = " and ".join(holds) or fs_type or table_type
    return contents
