#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: volume
short_description: Create, grow, shrink and delete block volumes (LVs) in the volume group
version_added: 0.1.0
description:
  - A volume is a logical volume in the volume group O(vg) on the controller, named by its id
    (for example C(volume-00000001)), like C(nova volume-create), C(nova volume-delete).
  - The volume's metadata (display name, type, creation time, attachment) lives in the LV's own
    tags, so there is no separate database that can disagree with the disks.
  - Give one volume with O(name), or many with O(volumes); many volumes are converged with one
    C(vgs) and one C(lvs) read and then only the commands that change something. Or let the
    module name a new volume with the next free id, with O(name_template).
  - Every input is checked before anything changes (names, sizes, the volume group, the free
    space needed by all creations and growths together, duplicate names).
  - Snapshots in the volume group are never treated as volumes; O(prune) leaves them alone.
  - A volume is thick (an LV of its full size) or thin (a thin volume in the thin pool
    O(thin_pool), which the M(novavolume.lvm_iscsi.thin_pool) module or the volume_group role's
    C(volume_group_thin_pool) makes). Thin volumes take pool space only as data is written, so the
    pool is checked before any thin volume is created or grown (see
    O(max_over_subscription_ratio) and O(pool_full_threshold)), for the whole batch together.
author:
  - novavolume maintainers (!UNKNOWN)
requirements:
  - lvm2 on the managed host
  - for shrinking with O(force), C(blkid) (util-linux), C(sfdisk) (fdisk; one whose JSON output
    reports the sector size, as util-linux 2.38 does) and C(dumpe2fs) (e2fsprogs)
  - for deleting exported volumes with O(force), the target backend's tools (see O(target_backend))
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
  - novavolume.lvm_iscsi.locking
  - novavolume.lvm_iscsi.volume_group
  - novavolume.lvm_iscsi.volumes
  - novavolume.lvm_iscsi.target_backend
  - novavolume.lvm_iscsi.thin_pools
options:
  name:
    description:
      - The volume's id, used as the LV name and as the last part of its target IQN.
      - 1-63 lower-case letters, digits, C(.) or C(-), starting with a letter or digit.
      - Mutually exclusive with O(volumes) and O(name_template).
    type: str
  name_template:
    description:
      - Create one new volume, named from this template with the next free id, as nova named its
        volumes (its C(volume_name_template)); for example V(volume-%08x) names id 26
        C(volume-0000001a). One conversion, V(%d) or V(%x), optionally zero-padded (V(%08x)).
      - The id is one more than the highest id of the volume group's volumes named from the
        template, and of any export of such a name left on the target. It is picked under a lock
        of the volume group, so that runs at once (several C(novavol volume-create)) each create a
        volume of their own and never change another's.
      - Needs O(size) or a source to clone (O(source_snapshot), O(source_volume)); mutually
        exclusive with O(name), O(volumes) and O(prune). The new name is the
        C(name) of RV(volume); the new volume as M(novavolume.lvm_iscsi.volume_info) lists it is RV(record).
    type: str
  display_name:
    description: Free text name shown by M(novavolume.lvm_iscsi.volume_info). Kept as it is when omitted.
    type: str
  size:
    description:
      - The size. A number is in GB (binary GB, as LVM counts, so V(10) is 10 GiB); a string may
        carry a unit (V(512M), V(10G), V(1T)). Rounded up to whole extents of the volume group.
      - Required to create a volume. A larger size grows the volume with C(lvextend).
      - A smaller size is refused unless O(force), and even with O(force) never below the end of
        the data on the volume (a partition table or a file system); see O(force).
    type: raw
  volume_type:
    description:
      - Free text volume type. Kept as it is when omitted.
      - A type listed in O(volume_types) gives a new volume its provisioning and thin pool.
    type: str
  volume_types:
    description:
      - Volume types as Cinder has them, by name, each with the extra specs a new volume of that
        type gets unless it gives its own, V(provisioning) (V(thick) or V(thin)) and V(thin_pool)
        (see the examples).
      - As in Cinder, a type's specs are for the volumes made with it. An existing volume keeps its
        provisioning when its type's specs change (no refusal, no change).
      - Other keys are refused, so that a misspelt spec is not ignored. A volume type that is not
        listed is a free text tag, as without this option.
      - The roles and playbooks pass the inventory variable C(novavolume_volume_types).
    type: dict
    default: {}
  provisioning:
    description:
      - V(thick) makes an LV of the full size; V(thin) makes a thin volume of that virtual size in
        O(thin_pool) (C(lvcreate --type thin -V SIZE --thinpool POOL)).
      - When omitted, a new volume is thick and an existing one keeps its provisioning (read from
        LVM, C(lv_attr) V is thin). Asking an existing volume for the other provisioning is refused,
        LVM cannot convert a volume in place.
      - With O(volumes), the default of items that do not give their own.
    type: str
    choices: [thick, thin]
  thin_pool:
    description:
      - The thin pool (an LV of the volume group) that new thin volumes are made in. It must exist.
      - With O(volumes), the default of items that do not give their own.
    type: str
    default: nova-volumes-pool
  pool_full_threshold:
    description:
      - Refuse to create or grow a thin volume while the pool's data or metadata use is above this
        percentage (a pool that fills up turns every file system on it read-only), unless O(force).
    type: float
    default: 95
  state:
    description: Whether the volume (or, with O(volumes), each item's default) should exist.
    type: str
    choices: [present, absent]
    default: present
  volumes:
    description:
      - Many volumes in one call; each item takes the same keys as the single-volume options.
      - Mutually exclusive with O(name) and O(name_template).
    type: list
    elements: dict
    suboptions:
      name:
        description: The volume's id, as O(name).
        type: str
        required: true
      display_name:
        description: As O(display_name).
        type: str
      size:
        description: As O(size).
        type: raw
      volume_type:
        description: As O(volume_type).
        type: str
      provisioning:
        description: As O(provisioning); defaults to O(provisioning).
        type: str
        choices: [thick, thin]
      thin_pool:
        description: As O(thin_pool); defaults to O(thin_pool).
        type: str
      state:
        description: As O(state); defaults to O(state).
        type: str
        choices: [present, absent]
  source_snapshot:
    description:
      - Create the volume as a clone of this snapshot (see M(novavolume.lvm_iscsi.volume_snapshot)),
        with the snapshot's data. A volume that exists already is left as it is, never cloned again.
      - A thin clone of a thin snapshot is a thin snapshot of it made into a volume (activated,
        writable, with its own tags), in the snapshot's thin pool; it shares the blocks until
        either is written, and takes no space when made. The pool checks apply to its virtual size.
      - Any other clone (O(provisioning) other than the source's, or a thick source) is a new
        volume that the data is copied into with C(dd) (streamed in 4 MiB blocks, bypassing the
        page cache). Into a thin volume, blocks of zeros are skipped (C(conv=sparse)), as the pool
        hands out zeroed blocks, so they take no pool space; a thick volume gets every block.
        A thin source is read through a temporary thin snapshot (C(<name>-nvcl)), removed afterwards.
      - The size is the source's data (a thick snapshot's volume's size); a larger O(size) grows
        the clone, a smaller one is refused. O(provisioning) defaults to the source's.
      - Only with O(name) or O(name_template); mutually exclusive with O(source_volume).
    type: str
  source_volume:
    description:
      - Create the volume as a clone of this volume, as O(source_snapshot) describes.
      - A thin clone of a thin volume is made at once, as a thin snapshot is; it holds the volume's
        data of that instant, also while the volume is attached and written.
      - A copy of a thick volume that is in use (open, or recorded as attached) reads a temporary
        copy-on-write snapshot of it (C(<name>-nvcl), of the volume's size, from the volume
        group's free space), so that the copy is of one instant; the snapshot is removed
        afterwards, also when the copy fails. A clone that failed is removed again.
      - The source's locks are held meanwhile, so it cannot be deleted, resized or attached.
    type: str
  progress_file:
    description:
      - For a clone whose data is copied, write the copy's progress to this file (an absolute path
        on the managed host; its folder is made when missing) while it runs, for a caller that runs
        the module async to read (playbooks/volume_clone.yml and C(novavol volume-create) do).
      - The file holds one line of JSON with the bytes copied so far (C(copied)), the bytes in all
        (C(total)) and the seconds since the copy started (C(seconds)); it is replaced as a whole
        after each 256 MiB the copy runs in (one C(dd) each), and removed when the copy ends, also
        when it fails.
      - Without it the copy is one C(dd) run. Nothing is written in check mode, or for a clone
        that copies nothing (a thin clone of a thin source).
    type: str
  create_only:
    description:
      - Only create. A volume with O(state=present) that exists already fails the run before
        anything changes, instead of being grown or retagged. O(name_template) always creates
        this way.
    type: bool
    default: false
  prune:
    description:
      - With O(volumes), also delete every volume of the volume group that the list does not name.
        Snapshots are never pruned. Volumes in use are refused as for O(state=absent).
    type: bool
    default: false
  force:
    description:
      - Shrink a volume to a smaller O(size). Data beyond the new size is lost, so a shrink is
        refused even with O(force) while the volume is exported, recorded as attached, open,
        inactive, or has snapshots.
      - Before a forced shrink the volume is probed read-only (also in check mode, so that check
        mode predicts a refusal) with C(blkid -p), and the shrink is refused when the new size is
        below the end of the data found on it. That end is the end of the last partition of a
        partition table (C(sfdisk --json)), or the size of an ext2/ext3/ext4 file system
        (C(dumpe2fs -h)). Shrink the partitions or the file system first (for example with
        C(resize2fs)).
      - Any other signature is refused outright. An xfs file system cannot shrink at all, and for
        other file systems and signatures (swap, LUKS, LVM PV and others) the end of the data is
        not read. Wipe an unused signature with C(wipefs) first. A volume without any signature
        shrinks with O(force).
      - Delete a volume that is exported or recorded as attached; the export is removed first
        (through O(target_backend)) and the attachment tags are cleared, then its snapshots and
        the volume are removed. A compute host still logged in loses the disk.
      - Create or grow thin volumes beyond O(max_over_subscription_ratio), in a pool whose use is
        above O(pool_full_threshold), or in a pool that does not zero the blocks it hands out (such
        a pool is refused otherwise, since a thin volume could show a deleted volume's data).
    type: bool
    default: false
notes:
  - The target backend is consulted only when a volume is to be deleted or shrunk, so a run that
    only creates or grows volumes needs nothing but LVM.
seealso:
  - module: novavolume.lvm_iscsi.volume_info
  - module: community.general.lvol
"""

EXAMPLES = r"""
- name: A volume of type fast, which is thin as the type says (Cinder's volume types)
  novavolume.lvm_iscsi.volume:
    name: volume-00000007
    size: 10
    volume_type: fast
    volume_types:
      fast: {provisioning: thin}
      bulk: {provisioning: thick}

- name: Create a 10 GB volume (nova volume-create --display_name myvolume 10)
  novavolume.lvm_iscsi.volume:
    name: volume-00000001
    display_name: myvolume
    size: 10

- name: Grow it to 12 GB
  novavolume.lvm_iscsi.volume:
    name: volume-00000001
    size: 12

- name: Delete it (refused while exported or attached)
  novavolume.lvm_iscsi.volume:
    name: volume-00000001
    state: absent

- name: Create a new 1 GB volume with the next free id (novavol volume-create 1)
  novavolume.lvm_iscsi.volume:
    name_template: volume-%08x
    size: 1
  register: new_volume

- name: Create a thin 20 GB volume in the volume group's thin pool
  novavolume.lvm_iscsi.volume:
    name: volume-00000003
    size: 20
    provisioning: thin

- name: A new volume from a snapshot (novavol volume-create --snapshot-id snap-00000001)
  novavolume.lvm_iscsi.volume:
    name_template: volume-%08x
    source_snapshot: snap-00000001

- name: A clone of another volume, attached or not
  novavolume.lvm_iscsi.volume:
    name: volume-00000005
    source_volume: volume-00000001

- name: Converge many volumes in one call, deleting any volume not listed
  novavolume.lvm_iscsi.volume:
    volumes:
      - name: volume-00000001
        display_name: db
        size: 10
        volume_type: ssd
      - name: volume-00000002
        size: 512M
    prune: true
"""

RETURN = r"""
existing:
  description:
    - On a failure with O(create_only), the names of the volumes that exist already (so that a
      caller can tell that case from others without reading the message).
  returned: failure
  type: list
  elements: str
  sample: [volume-00000001]
volumes:
  description: One entry per volume named or pruned, in the order given (pruned ones last).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The volume's id (LV name).
      type: str
      sample: volume-00000001
    state:
      description: V(present) or V(absent) after the run (or after it would run, in check mode).
      type: str
      sample: present
    actions:
      description: What was (or would be) done, in order; empty when nothing changed.
      type: list
      elements: str
      sample: [create]
    size:
      description: Size in GB (GiB), after the run; null when absent.
      type: float
      sample: 10
    size_bytes:
      description: Size in bytes, after the run; null when absent.
      type: int
      sample: 10737418240
    display_name:
      description: Display name from the tags.
      type: str
      sample: myvolume
    volume_type:
      description: Volume type from the tags.
      type: str
      sample: ssd
    created_at:
      description: Creation time (UTC, ISO 8601) from the tags.
      type: str
      sample: "2026-11-24T20:28:00Z"
    path:
      description: The LV's device path; null when absent.
      type: str
      sample: /dev/nova-volumes/volume-00000001
    provisioning:
      description: V(thick) or V(thin); null when absent.
      type: str
      sample: thin
    thin_pool:
      description: The thin pool of a thin volume; null otherwise.
      type: str
      sample: nova-volumes-pool
    cloned_from:
      description: For a clone, what it was made from (V(snapshot NAME) or V(volume NAME)), from its tags.
      type: str
      sample: snapshot snap-00000001
    copy:
      description:
        - For a clone whose data this run copied, the copy's figures as O(progress_file) holds
          them (bytes copied, bytes in all, seconds it took).
      returned: when this run copied a clone's data
      type: dict
      sample: {copied: 1073741824, total: 1073741824, seconds: 4.2}
volume:
  description: With O(name), the single entry of RV(volumes).
  returned: when O(name) is given
  type: dict
  sample: {name: volume-00000001, state: present, actions: [create], size: 10}
record:
  description:
    - With O(name_template), the new volume as M(novavolume.lvm_iscsi.volume_info) lists each of
      its volumes (status, size, display name, target IQN and more).
  returned: when a volume was created with O(name_template), not in check mode
  type: dict
  sample: {name: volume-00000002, status: available, size: 1, display_name: null}
diff:
  description: Before and after of each changed volume (size in GB, display name, type, provisioning), keyed by name.
  returned: when diff mode is on
  type: dict
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import block_copy, locks, lvm, validation, volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import load_backend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import BackendError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_records import (
    next_free_name, record_of)
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import NameTemplate

VOLUME_KEYS = ("name", "display_name", "size", "volume_type", "provisioning", "thin_pool", "state", "source_snapshot",
               "source_volume")
SOURCE_KEYS = ("source_snapshot", "source_volume")
# The temporary snapshot a copy reads from is named after the clone and tagged, so that a leftover
# of a killed run is recognisably ours.
CLONE_SNAPSHOT_SUFFIX = "-nvcl"
CLONE_SNAPSHOT_TAG = "novavolume.clone"
ATTACH_KEYS = ("attach_status", "attached_host", "attached_initiator", "mountpoint")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def desired_volumes(params):
    """The validated list of wanted volumes (sizes in bytes); all problems in one message."""
    check_volume_types(params["volume_types"])
    if params["name"] is not None:
        if params["prune"]:
            raise ValidationError("prune needs a volumes list, not a single name")
        items = [dict((key, params[key]) for key in VOLUME_KEYS)]
    else:
        items = [dict(item) for item in params["volumes"]]
    errors, seen, wanted = [], set(), []
    for item in items:
        item["state"] = item.get("state") or params["state"]
        type_specs = (params["volume_types"] or {}).get(item.get("volume_type")) or {}
        # A type's provisioning is for the volumes made with it: an existing one keeps its own.
        item["provisioning_from_type"] = not item.get("provisioning") and bool(type_specs.get("provisioning"))
        item["provisioning"] = item.get("provisioning") or type_specs.get("provisioning") or params["provisioning"]
        item["thin_pool"] = item.get("thin_pool") or type_specs.get("thin_pool") or params["thin_pool"]
        try:
            validation.volume_name(item["name"])
            if item["provisioning"] == "thin":
                validation.lv_name(item["thin_pool"], "thin pool name")
            if lvm.reserved_lv_name(item["name"]):
                raise ValidationError(
                    "invalid volume name %r: LVM reserves names starting with %s"
                    % (item["name"], " or ".join(lvm.RESERVED_LV_PREFIXES))
                )
            if item["name"] in seen:
                raise ValidationError("volume %r is listed more than once" % (item["name"],))
            seen.add(item["name"])
            if item.get("size") is not None:
                item["size_bytes"] = validation.size_bytes(item["size"])
            else:
                item["size_bytes"] = None
            for key in SOURCE_KEYS:
                if item.get(key) is not None:
                    validation.volume_name(item[key])
                    if item["state"] != "present":
                        raise ValidationError("%s makes a new volume: state must be present" % key)
                    if item[key] == item["name"]:
                        raise ValidationError("volume %r cannot be a clone of itself" % (item["name"],))
        except ValidationError as error:
            errors.append(str(error))
            continue
        wanted.append(item)
    try:
        validation.vg_name(params["vg"])
        if params["progress_file"] is not None:
            validation.absolute_path(params["progress_file"], "progress_file")
        validation.iqn(lvm.target_iqn(params["target_prefix"], "x"), "target_prefix")
        validation.thin_pool_limits(params["max_over_subscription_ratio"], params["pool_full_threshold"])
    except ValidationError as error:
        errors.append(str(error))
    if errors:
        raise ValidationError("; ".join(errors))
    return wanted


VOLUME_TYPE_SPECS = dict(provisioning=("thick", "thin"), thin_pool=None)


def check_volume_types(volume_types):
    """Refuse a volume type whose specs this module would not apply as written."""
    for name, specs in sorted((volume_types or {}).items()):
        if not isinstance(specs, dict):
            raise ValidationError("volume type %r: give its specs as a dict, such as {provisioning: thin}" % (name,))
        unknown = sorted(set(specs) - set(VOLUME_TYPE_SPECS))
        if unknown:
            raise ValidationError("volume type %r: unknown spec(s) %s (known: %s)"
                                  % (name, ", ".join(unknown), ", ".join(sorted(VOLUME_TYPE_SPECS))))
        if specs.get("provisioning") not in (None,) + VOLUME_TYPE_SPECS["provisioning"]:
            raise ValidationError("volume type %r: provisioning %r is not thick or thin" % (name, specs["provisioning"]))
        if specs.get("thin_pool") is not None:
            validation.lv_name(specs["thin_pool"], "thin pool name of volume type %r" % (name,))


class Plan:
    """What one run will do, worked out from one vgs and one lvs read before anything changes."""

    def __init__(self, vg, lvs):
        self.vg = vg
        self.lvs = dict((lv["name"], lv) for lv in lvs)
        self.entries = []  # dicts: name, lv (current or None), steps [(kind, args...)], item
        self.errors = []
        self.existing = []  # create_only: the names that exist already (returned on failure)

    def snapshots_of(self, name):
        return lvm.snapshots_of(self.lvs.values(), name)

    def add(self, item, force, create_only=False):
        name = item["name"]
        lv = self.lvs.get(name)
        entry = dict(name=name, lv=lv, item=item, steps=[])
        if create_only and lv is not None and item["state"] == "present":
            self.errors.append("volume %s exists already in volume group %s (create_only: it is left as it is)"
                               % (name, self.vg["name"]))
            self.existing.append(name)
            return
        if lv is not None and not lvm.is_volume(lv):
            origin = lvm.snapshot_of(lv) or (lv["origin"] if lv["is_snapshot"] else None)
            what = "a snapshot of %s" % origin if origin else "not a volume (lv_attr %s)" % lv["attr"]
            self.errors.append("%s in volume group %s is %s; it is not managed as a volume" % (name, self.vg["name"], what))
            return
        if item["state"] == "absent":
            if lv is not None:
                entry["steps"].append(("remove",))
        elif lv is None and (item.get("source_snapshot") or item.get("source_volume")):
            if not self.add_clone(entry, item):
                return
        elif lv is None:
            if item["size_bytes"] is None:
                self.errors.append("volume %s does not exist: its size is needed to create it" % name)
                return
            meta = dict(display_name=item.get("display_name"), volume_type=item.get("volume_type"), created_at=utc_now())
            size = lvm.round_up_to_extent(item["size_bytes"], self.vg["extent_size"])
            pool = item["thin_pool"] if item["provisioning"] == "thin" else None
            entry["steps"].append(("create", size, volume_meta.encode(meta), pool))
        else:
            current = lvm.provisioning(lv)
            if item["provisioning"] not in (None, current) and not item["provisioning_from_type"]:
                self.errors.append(
                    "refusing to make volume %s %s: it is %s%s, and LVM cannot convert a volume in place "
                    "(create a new %s volume and copy the data)"
                    % (name, item["provisioning"], current, " (in thin pool %s)" % lv["pool"] if lv["pool"] else "",
                       item["provisioning"]))
                return
            if item["size_bytes"] is not None:
                size = lvm.round_up_to_extent(item["size_bytes"], self.vg["extent_size"])
                if size > lv["size"]:
                    entry["steps"].append(("grow", size))
                elif size < lv["size"]:
                    if not force:
                        self.errors.append(
                            "refusing to shrink volume %s from %s to %s: data beyond the new size "
                            "would be lost (use force, after shrinking any file system inside it)"
                            % (name, lvm.gb_text(lv["size"]), lvm.gb_text(size))
                        )
                        return
                    entry["steps"].append(("shrink", size))
            wanted_meta = dict((key, item[key]) for key in ("display_name", "volume_type") if item.get(key) is not None)
            add, delete = volume_meta.tag_changes(lv["tags"], wanted_meta)
            if add or delete:
                entry["steps"].append(("tags", add, delete))
        self.entries.append(entry)

    def clone_source(self, item):
        """(the source LV, its kind, the size of its data) of a clone; None after an error."""
        kind = "snapshot" if item.get("source_snapshot") else "volume"
        source_name = item["source_" + kind]
        source = self.lvs.get(source_name)
        valid = source is not None and (lvm.is_listed_snapshot(source) if kind == "snapshot" else lvm.is_volume(source))
        if not valid:
            self.errors.append("source %s %s does not exist in volume group %s%s" % (
                kind, source_name, self.vg["name"], "" if source is None else " (%s is not a %s)" % (source_name, kind)))
            return None
        if source["snapshot_invalid"]:
            self.errors.append("source snapshot %s overflowed (LVM marks it invalid): its data is lost" % source_name)
            return None
        # A thick snapshot's own size is its copy-on-write space: the data is its volume's size.
        data_size = source["size"]
        if source["is_snapshot"]:
            data_size = (self.lvs.get(source["origin"]) or {}).get("size") or data_size
        return source, kind, data_size

    def add_clone(self, entry, item):
        """A new volume with the data of a snapshot or of another volume. Thin from thin is a thin
        snapshot made into a volume (sharing the blocks); any other is a new volume and a copy,
        read from a temporary snapshot when the source is a thin LV (to be read, it must be
        active) or a thick volume in use (so that the copy is of one instant)."""
        found = self.clone_source(item)
        if found is None:
            return False
        source, kind, data_size = found
        size = data_size
        if item["size_bytes"] is not None:
            size = lvm.round_up_to_extent(item["size_bytes"], self.vg["extent_size"])
            if size < data_size:
                self.errors.append("refusing to make volume %s of %s from %s %s: it holds %s (a clone is never smaller "
                                   "than its source)" % (entry["name"], lvm.gb_text(size), kind, source["name"],
                                                         lvm.gb_text(data_size)))
                return False
        provisioning = item["provisioning"] or lvm.provisioning(source)
        meta = dict(display_name=item.get("display_name"), volume_type=item.get("volume_type"), created_at=utc_now(),
                    cloned_from="%s %s" % (kind, source["name"]))
        tags = volume_meta.encode(meta)
        if source["is_thin"] and provisioning == "thin":
            entry["steps"].append(("create", data_size, tags, source["pool"], dict(method="snapshot", source=source["name"])))
            if size > data_size:
                entry["steps"].append(("grow", size))
            return True
        temp = None
        in_use = source["open"] or lvm.attachment_recorded(volume_meta.decode(source["tags"]))
        if source["is_thin"] or (kind == "volume" and in_use):
            temp = dict(name=entry["name"] + CLONE_SNAPSHOT_SUFFIX, size=None if source["is_thin"] else data_size)
        pool = item["thin_pool"] if provisioning == "thin" else None
        entry["steps"].append(("create", size, tags, pool, dict(method="copy", source=source["name"], temp=temp,
                                                                bytes=data_size)))
        return True

    def prune(self, listed):
        for name in sorted(self.lvs):
            if name not in listed and lvm.is_volume(self.lvs[name]):
                item = dict(name=name, state="absent", size_bytes=None)
                self.entries.append(dict(name=name, lv=self.lvs[name], item=item, steps=[("remove",)]))

    def needs_exports(self):
        return any(step[0] in ("remove", "shrink") for entry in self.entries for step in entry["steps"])

    def check_users(self, exports, prefix, force):
        """Refuse deletes and shrinks of volumes that someone uses (deletes: unless force)."""
        for entry in self.entries:
            kinds = [step[0] for step in entry["steps"]]
            if not ("remove" in kinds or "shrink" in kinds):
                continue
            lv = entry["lv"]
            meta = volume_meta.decode(lv["tags"])
            export = lvm.find_export(exports, prefix, self.vg["name"], entry["name"])
            snapshots = self.snapshots_of(entry["name"])
            reasons = lvm.users_of_volume(lv, meta, export, snapshots)
            entry.update(export=export, meta=meta, snapshots=snapshots, users=reasons)
            if not reasons:
                continue
            if "shrink" in kinds:
                self.errors.append("refusing to shrink volume %s even with force: %s" % (entry["name"], "; ".join(reasons)))
            elif not force:
                self.errors.append(
                    "refusing to delete volume %s: %s (detach it first, or use force)" % (entry["name"], "; ".join(reasons))
                )

    def check_data(self, probe):
        """Never shrink below the data: probe each volume to shrink (read-only) for where it ends.

        `probe(device)` is lvm.probe_contents bound to the module. Volumes already refused for
        their users are not probed.
        """
        for entry in self.entries:
            sizes = [step[1] for step in entry["steps"] if step[0] == "shrink"]
            if not sizes or entry.get("users"):
                continue
            name, lv = entry["name"], entry["lv"]
            if not lv["active"]:
                # blkid answers "nothing found" for a device node that is not there.
                self.errors.append(
                    "refusing to shrink volume %s even with force: the LV is not active, so what it "
                    "holds cannot be checked (activate it with lvchange -ay first)" % name
                )
                continue
            contents = probe(lv.get("path") or "/dev/%s/%s" % (self.vg["name"], name))
            if contents["unreadable"]:
                self.errors.append("refusing to shrink volume %s even with force: %s" % (name, contents["unreadable"]))
            elif contents["end"] > sizes[0]:
                self.errors.append(
                    "refusing to shrink volume %s to %s even with force: %s on it ends at byte %d (%s), "
                    "beyond the new size of %d bytes; shrink that first"
                    % (name, lvm.gb_text(sizes[0]), contents["holds"], contents["end"], lvm.gb_text(contents["end"]), sizes[0])
                )

    def thin_pool_of(self, entry):
        """The thin pool the entry's volume is (or will be) in; None for a thick volume."""
        if entry["lv"] is not None:
            return entry["lv"]["pool"] if entry["lv"]["is_thin"] else None
        creations = [step[3] for step in entry["steps"] if step[0] == "create"]
        return creations[0] if creations else None

    def check_thin_pools(self, max_ratio, full_threshold, force):
        """Refuse, before anything changes, thin volumes that a pool cannot safely take.

        The whole batch counts: the virtual sizes of every creation and growth in a pool (less
        the thin volumes this run removes or shrinks) against the pool's size, so that a batch
        cannot pass in small steps what it would be refused as a whole.
        """
        pools = lvm.thin_pools(self.lvs.values())
        virtual_after, growing = {}, set()
        for entry in self.entries:
            pool = self.thin_pool_of(entry)
            if pool is None:
                continue
            current = entry["lv"]["size"] if entry["lv"] else 0
            after = expected_after(entry, self.vg["name"])
            virtual_after[pool] = virtual_after.get(pool, 0) + (after["size"] if after else 0) - current
            if any(step[0] in ("create", "grow") for step in entry["steps"]):
                growing.add(pool)
        self.errors.extend(lvm.thin_pool_refusals(
            pools, self.lvs, self.vg["name"], dict((name, virtual_after[name]) for name in growing),
            max_ratio, full_threshold, force))

    def check_free_space(self):
        """Removals and shrinks run first, so the space they free counts for creations and growths.

        Thin volumes take their space from their pool, not from the volume group's free space."""
        needed = 0
        for entry in self.entries:
            # A copy from a thick volume in use reads a temporary snapshot of the volume's size.
            needed += sum((step[4]["temp"] or {}).get("size") or 0 for step in entry["steps"]
                          if step[0] == "create" and len(step) > 4 and step[4]["method"] == "copy")
            if self.thin_pool_of(entry) is not None:
                continue
            current = entry["lv"]["size"] if entry["lv"] else 0
            for step in entry["steps"]:
                if step[0] == "create":
                    needed += step[1]
                elif step[0] in ("grow", "shrink"):
                    needed += step[1] - current
                elif step[0] == "remove":
                    needed -= current
        if needed > self.vg["free"]:
            self.errors.append(
                "not enough free space in volume group %s: the changes need %s more, %s are free"
                % (self.vg["name"], lvm.gb_text(needed), lvm.gb_text(self.vg["free"]))
            )


def describe(name, lv, vg_name):
    """The volume's state as returned and diffed; None when it does not exist."""
    if lv is None:
        return None
    meta = volume_meta.decode(lv["tags"])
    return dict(
        cloned_from=meta.get("cloned_from"),
        size=lvm.size_gb(lv["size"]),
        size_bytes=lv["size"],
        display_name=meta.get("display_name"),
        volume_type=meta.get("volume_type"),
        created_at=meta.get("created_at"),
        path=lv.get("path") or "/dev/%s/%s" % (vg_name, name),
        provisioning=lvm.provisioning(lv),
        thin_pool=lv["pool"] if lv.get("is_thin") else None,
    )


def expected_after(entry, vg_name):
    """The LV as it will be once the entry's steps ran (used for results and check mode)."""
    lv = dict(entry["lv"]) if entry["lv"] else None
    for step in entry["steps"]:
        if step[0] == "create":
            lv = dict(size=step[1], tags=step[2], path="/dev/%s/%s" % (vg_name, entry["name"]), is_thin=step[3] is not None,
                      pool=step[3])
        elif step[0] in ("grow", "shrink"):
            lv["size"] = step[1]
        elif step[0] == "tags":
            lv["tags"] = sorted(set(lv["tags"]) - set(step[2]) | set(step[1]))
        elif step[0] == "remove":
            lv = None
    return lv


class Executor:
    """Runs the steps, one runner per command family."""

    def __init__(self, module, vg_name, backend, progress_file=None):
        self.module = module
        self.vg_name = vg_name
        self.backend = backend
        self.progress_file = progress_file
        self.lvcreate = lvm.lvcreate_runner(module)
        self.lvextend = lvm.lvresize_runner(module, "lvextend")
        self.lvreduce = lvm.lvresize_runner(module, "lvreduce")
        self.lvchange = lvm.lvchange_runner(module)
        self.lvremove = lvm.lvremove_runner(module)
        self.dd = lvm.dd_runner(module)

    def lv(self, name):
        return "%s/%s" % (self.vg_name, name)

    def run(self, entry):
        for step in entry["steps"]:
            getattr(self, "do_" + step[0])(entry, *step[1:])

    def do_create(self, entry, size, tags, pool, clone=None):
        if clone is not None and clone["method"] == "snapshot":
            # A thin snapshot made a volume: activated, and without the skip flag LVM gives snapshots.
            self.lvcreate.run("yes snapshot no_activation_skip activate name tags vg", yes=True, snapshot=True,
                              no_activation_skip=True, activate=True, name=entry["name"], tags=tags,
                              vg=self.lv(clone["source"]))
            return
        self.make_volume(entry, size, tags, pool)
        if clone is not None:
            self.copy(entry, pool, clone)

    def copy(self, entry, pool, clone):
        """Copy the source into the new volume (removed again when the copy fails), through a
        temporary snapshot when the plan asks for one (removed whatever happens)."""
        temp = clone["temp"]
        try:
            if temp is not None:
                self.lvcreate.run("yes snapshot no_activation_skip activate size_bytes name tags vg", yes=True,
                                  snapshot=True, no_activation_skip=temp["size"] is None, activate=temp["size"] is None,
                                  size_bytes=temp["size"], name=temp["name"], tags=[CLONE_SNAPSHOT_TAG],
                                  vg=self.lv(clone["source"]))
            # A thin volume reads as zeros where nothing was written (the pool zeroes what it hands
            # out), so zero blocks need not be written, and take no pool space; a new thick LV holds
            # whatever its extents held before, so every block is written.
            entry["copied"] = block_copy.copy(
                self.dd, "/dev/%s" % self.lv(temp["name"] if temp else clone["source"]), "/dev/%s" % self.lv(entry["name"]),
                clone["bytes"], sparse=pool is not None, progress_file=self.progress_file)
        except (CommandError, OSError):
            self.lvremove.run("yes lv", check=False, yes=True, lv=self.lv(entry["name"]))
            raise
        finally:
            if temp is not None:
                self.lvremove.run("yes lv", check=False, yes=True, lv=self.lv(temp["name"]))

    def make_volume(self, entry, size, tags, pool):
        if pool is None:
            self.lvcreate.run("yes wipe size_bytes name tags vg", yes=True, wipe=True, size_bytes=size, name=entry["name"], tags=tags, vg=self.vg_name)
        else:
            # No wiping: a new thin volume maps no blocks yet, and the pool hands out zeroed ones
            # (check_thin_pools refuses a pool that does not).
            self.lvcreate.run("yes thin virtual_size_bytes thinpool name tags vg", yes=True, thin=True, virtual_size_bytes=size,
                              thinpool=pool, name=entry["name"], tags=tags, vg=self.vg_name)

    def do_grow(self, entry, size):
        self.lvextend.run("size_bytes lv", size_bytes=size, lv=self.lv(entry["name"]))

    def do_shrink(self, entry, size):
        self.lvreduce.run("force size_bytes lv", force=True, size_bytes=size, lv=self.lv(entry["name"]))

    def do_tags(self, entry, add, delete):
        self.lvchange.run("del_tags add_tags lv", add_tags=add, del_tags=delete, lv=self.lv(entry["name"]))

    def do_remove(self, entry):
        # Only reached with nobody using the volume, or with force: then undo the export and the
        # attachment record first, so that a failed lvremove leaves no export of a half-deleted volume.
        if entry.get("export") is not None:
            self.backend.remove_export(entry["export"]["iqn"], force=True)
        attach_prefixes = tuple("%s%s=" % (volume_meta.TAG_PREFIX, key) for key in ATTACH_KEYS)
        attach_tags = [tag for tag in entry["lv"]["tags"] if tag.startswith(attach_prefixes)]
        if attach_tags:
            self.lvchange.run("del_tags lv", del_tags=sorted(attach_tags), lv=self.lv(entry["name"]))
        for snapshot in entry.get("snapshots") or []:
            self.lvremove.run("yes lv", yes=True, lv=self.lv(snapshot))
        self.lvremove.run("yes lv", yes=True, lv=self.lv(entry["name"]))


def entry_result(entry, vg_name):
    """(returned entry, diff before, diff after) of one planned volume."""
    state_after = describe(entry["name"], expected_after(entry, vg_name), vg_name)
    result = dict(name=entry["name"], state="present" if state_after else "absent", actions=[step[0] for step in entry["steps"]])
    result.update(state_after or dict(size=None, size_bytes=None, path=None))
    if entry.get("copied"):
        result["copy"] = entry["copied"]
    old = describe(entry["name"], entry["lv"], vg_name)
    diff_keys = ("size", "display_name", "volume_type", "provisioning")
    before = dict((key, old[key]) for key in diff_keys) if old else "absent"
    after = dict((key, state_after[key]) for key in diff_keys) if state_after else "absent"
    return result, before, after


# Removals, then shrinks, run before anything that needs space: the free-space check counts on it.
PHASES = dict(remove=0, shrink=1)


def apply_plan(module, plan, executor):
    ordered = sorted((entry for entry in plan.entries if entry["steps"]), key=lambda entry: PHASES.get(entry["steps"][0][0], 2))
    done = []
    for entry in ordered:
        try:
            executor.run(entry)
        except (CommandError, BackendError, OSError) as error:
            # OSError: the copy's progress file could not be written.
            details = error.fail_json_kwargs() if isinstance(error, CommandError) else dict(msg=str(error))
            details["msg"] = "volume %s: %s (done before it: %s)" % (
                entry["name"], details["msg"], ", ".join(done) or "nothing")
            module.fail_json(changed=bool(done), **details)
        done.append("%s %s" % ("/".join(step[0] for step in entry["steps"]), entry["name"]))


def main():
    volume_spec = dict(
        name=dict(type="str", required=True),
        display_name=dict(type="str"),
        size=dict(type="raw"),
        volume_type=dict(type="str"),
        provisioning=dict(type="str", choices=["thick", "thin"]),
        thin_pool=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"]),
    )
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volumes", "locking", "target_backend"],
            name=dict(type="str"),
            name_template=dict(type="str"),
            display_name=dict(type="str"),
            size=dict(type="raw"),
            volume_type=dict(type="str"),
            volume_types=dict(type="dict", default={}),
            provisioning=dict(type="str", choices=["thick", "thin"]),
            thin_pool=dict(type="str", default="nova-volumes-pool"),
            max_over_subscription_ratio=dict(type="float", default=20.0),
            pool_full_threshold=dict(type="float", default=95),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            source_snapshot=dict(type="str"),
            source_volume=dict(type="str"),
            progress_file=dict(type="str"),
            volumes=dict(type="list", elements="dict", options=volume_spec),
            prune=dict(type="bool", default=False),
            create_only=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("name", "volumes", "name_template"), ("source_snapshot", "source_volume"),
                            ("volumes", "source_snapshot"), ("volumes", "source_volume")],
        required_one_of=[("name", "volumes", "name_template")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        if params["name_template"] is not None:
            template = new_volume_template(params)
        else:
            wanted = desired_volumes(params)
    except ValidationError as error:
        module.fail_json(msg=str(error))

    try:
        if params["name_template"] is not None:
            # The new name is picked, and the volume made, under the volume group's lock of new
            # names: a second run at once picks its name only once this one's volume exists.
            with locks.held([locks.new_volume_lock(params["vg"])], "volume (a new %s)" % params["name_template"],
                            wait=params["lock_timeout"]):
                module.exit_json(**create_from_template(module, params, template))
        with locks.held(lock_names(module, params, wanted), "volume (%s)" % ", ".join(item["name"] for item in wanted),
                        wait=params["lock_timeout"]):
            module.exit_json(**converge(module, params, wanted))
    except locks.LockTimeout as error:
        module.fail_json(msg=str(error))


def new_volume_template(params):
    """The checked template of a name_template run (which creates exactly one volume)."""
    if params["prune"]:
        raise ValidationError("prune needs a volumes list, not name_template")
    if params["state"] != "present":
        raise ValidationError("name_template creates a new volume: state must be present")
    if params["size"] is None and not (params["source_snapshot"] or params["source_volume"]):
        raise ValidationError("name_template creates a new volume: its size is needed (or a source to clone)")
    template = NameTemplate(params["name_template"])
    for key in SOURCE_KEYS:
        if params[key] is not None:
            validation.volume_name(params[key])
    # The rest (size, display name, the volume group) is checked as for a named volume; the
    # sources once the name is picked (the placeholder name could be the source's).
    desired_volumes(dict(params, name=template.name(1), source_snapshot=None, source_volume=None))
    return template


def create_from_template(module, params, template):
    """Create the volume of the next free name (under the new-names lock), then return it as
    volume_info lists it."""
    backend = load_backend(module, params["target_backend"])
    try:
        name, exports = next_free_name(module, backend, params["vg"], template, params["target_prefix"],
                                       "volume (a new %s)" % params["name_template"], params["lock_timeout"])
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except BackendError as error:
        module.fail_json(msg="cannot read the exports of target backend %s: %s" % (params["target_backend"], error))
    wanted = desired_volumes(dict(params, name=name, create_only=True))
    with locks.held(lock_names(module, params, wanted), "volume (%s)" % name, wait=params["lock_timeout"]):
        output = converge(module, dict(params, name=name, create_only=True), wanted)
        if not module.check_mode:
            try:
                output["record"] = record_of(module, params["vg"], name, exports, params["target_prefix"])
            except CommandError as error:
                module.fail_json(**error.fail_json_kwargs())
    return output


def lock_names(module, params, wanted):
    """Every volume the run may change, under its own locks (and those of its snapshots and
    backups: a deleted or resized volume's backup must not be running); with prune, every volume
    of the group. Plus the target's saved configuration, which a deletion may change."""
    names = set(item["name"] for item in wanted)
    # A clone's source may not be deleted, resized or reverted while it is read: its volume's locks.
    names.update(item["source_volume"] for item in wanted if item.get("source_volume"))
    snapshots = set(item["source_snapshot"] for item in wanted if item.get("source_snapshot"))
    if snapshots:
        try:
            names.update(lvm.snapshot_of(lv) or lv["origin"] for lv in lvm.read_lvs(module, params["vg"])
                         if lv["name"] in snapshots and (lvm.snapshot_of(lv) or lv["origin"]))
        except CommandError as error:
            module.fail_json(**error.fail_json_kwargs())
    if params["prune"]:
        try:
            names.update(lv["name"] for lv in lvm.read_lvs(module, params["vg"]) if lvm.is_volume(lv))
        except CommandError as error:
            module.fail_json(**error.fail_json_kwargs())
    return ([locks.volume_lock(params["vg"], name) for name in names]
            + [locks.backups_lock(params["vg"], name) for name in names] + [locks.TARGET_CONFIG])


def converge(module, params, wanted):
    """Read, plan the whole batch, then change: only once the run holds the locks. Returns the
    module's result."""
    vg_name = params["vg"]
    try:
        vg = lvm.read_vg(module, vg_name)
        if vg is None:
            module.fail_json(msg="volume group %s does not exist on this host" % vg_name)
        plan = Plan(vg, lvm.read_lvs(module, vg_name))
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())

    for item in wanted:
        plan.add(item, params["force"], params["create_only"])
    if params["prune"]:
        plan.prune(set(item["name"] for item in wanted))
    backend = None
    if not plan.errors and plan.needs_exports():
        backend = load_backend(module, params["target_backend"])
        try:
            exports = backend.exports()
        except BackendError as error:
            module.fail_json(msg="cannot read the exports of target backend %s: %s" % (params["target_backend"], error))
        plan.check_users(exports, params["target_prefix"], params["force"])
        try:
            # Read-only, so it runs in check mode too and check mode predicts the refusal.
            plan.check_data(lambda device: lvm.probe_contents(module, device))
        except CommandError as error:
            module.fail_json(**error.fail_json_kwargs())
    plan.check_free_space()
    plan.check_thin_pools(params["max_over_subscription_ratio"], params["pool_full_threshold"], params["force"])
    if plan.errors:
        module.fail_json(msg="; ".join(plan.errors), existing=plan.existing)

    changed = any(entry["steps"] for entry in plan.entries)
    if not module.check_mode:
        apply_plan(module, plan, Executor(module, vg_name, backend, params["progress_file"]))
    results, before, after = [], {}, {}
    for entry in plan.entries:
        result, old, new = entry_result(entry, vg_name)
        results.append(result)
        if entry["steps"]:
            before[entry["name"]], after[entry["name"]] = old, new

    output = dict(changed=changed, volumes=results)
    if params["name"] is not None:
        output["volume"] = results[0]
    if module._diff:
        output["diff"] = dict(before=before, after=after)
    return output


if __name__ == "__main__":
    main()
