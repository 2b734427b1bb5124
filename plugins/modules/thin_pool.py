#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: thin_pool
short_description: Create and grow the thin pool that thin volumes are made in
version_added: 0.2.0
description:
  - Makes the LVM thin pool O(name) in the volume group O(vg) once
    (C(lvcreate --type thin-pool --zero y), zeroing the blocks it hands out, whatever lvm.conf
    says, so that a new volume never shows a deleted one's data), and grows it (C(lvextend)) when a larger O(size) or
    O(metadata_size) is asked. A pool is never shrunk (LVM cannot shrink one); a smaller size is
    left as it is, with a warning.
  - Thin volumes of M(novavolume.lvm_iscsi.volume) (O(novavolume.lvm_iscsi.volume#module:provisioning=thin))
    are made in it; the volume_group role calls this module when C(volume_group_thin_pool) is on.
  - Every input is checked, and the pool and the volume group are read with one C(vgs) and one
    C(lvs), before anything changes.
author:
  - novavolume maintainers (!UNKNOWN)
requirements:
  - lvm2 and thin-provisioning-tools (C(thin_check)) on the managed host
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
options:
  vg:
    description: The volume group holding the pool.
    type: str
    default: nova-volumes
  name:
    description: The pool's LV name (LVM's rule for LV names).
    type: str
    default: nova-volumes-pool
  size:
    description:
      - The size of the pool's data. A number is in GB (GiB, V(10) is 10 GiB); a string may carry
        a unit (V(512M), V(10G)) or be a percentage of the volume group's size (V(90%) or
        V(90%VG)), rounded down to whole extents. A percentage of the group's size, not of its
        free space, so that a second run asks the same size.
      - The metadata and LVM's spare metadata LV take space of their own besides this size.
    type: str
    default: 90%
  chunk_size:
    description:
      - The pool's chunk size (V(64K) to V(1G), a multiple of 64 KiB; a bare number is in KiB).
        Fixed when the pool is made; a different one for an existing pool is refused.
      - Empty or omitted lets LVM choose.
    type: str
  metadata_size:
    description:
      - The size of the pool's metadata (V(2M) to V(16G); a bare number is in MiB). Grown when a
        larger one is asked.
      - Empty or omitted lets LVM choose when the pool is made.
    type: str
seealso:
  - module: novavolume.lvm_iscsi.volume
  - module: novavolume.lvm_iscsi.volume_info
"""

EXAMPLES = r"""
- name: A thin pool over 90% of the volume group
  novavolume.lvm_iscsi.thin_pool:

- name: A 256 MB pool with 64 KiB chunks and 8 MiB of metadata
  novavolume.lvm_iscsi.thin_pool:
    name: small-pool
    size: 256M
    chunk_size: 64K
    metadata_size: 8M
"""

RETURN = r"""
pool:
  description: The pool after the run (or as it would be, in check mode).
  returned: success
  type: dict
  contains:
    name:
      description: The pool's LV name.
      type: str
      sample: nova-volumes-pool
    size:
      description: Its data size in GB (GiB).
      type: float
      sample: 54
    size_bytes:
      description: Its data size in bytes.
      type: int
      sample: 57978573312
    chunk_size:
      description: Its chunk size in bytes; null before LVM chose it (check mode of a new pool).
      type: int
      sample: 65536
    metadata_size:
      description: Its metadata size in bytes; null before LVM chose it (check mode of a new pool).
      type: int
      sample: 4194304
    data_percent:
      description: How full its data is.
      type: float
      sample: 0.0
    metadata_percent:
      description: How full its metadata is.
      type: float
      sample: 10.55
actions:
  description: What was (or would be) done, in order; empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: [create]
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

KIB = 1024
MIB = 1024 ** 2
PERCENT_OF_VG = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%(?:VG)?\s*$", re.IGNORECASE)
# LVM's limits for thin pools (lvmthin(7)).
CHUNK_MIN = CHUNK_STEP = 64 * KIB
CHUNK_MAX = 1024 * MIB
METADATA_MIN = 2 * MIB
METADATA_MAX = 16 * 1024 * MIB


def checked_input(params):
    """(size as a percentage or None, size in bytes or None, chunk bytes, metadata bytes)."""
    errors = []
    percent = size = chunk = metadata = None
    try:
        validation.vg_name(params["vg"])
    except ValidationError as error:
        errors.append(str(error))
    try:
        validation.lv_name(params["name"], "thin pool name")
    except ValidationError as error:
        errors.append(str(error))
    match = PERCENT_OF_VG.match(params["size"] or "")
    try:
        if match:
            percent = float(match.group(1))
            if not 0 < percent <= 100:
                raise ValidationError("invalid size %r: a percentage of the volume group above 0, at most 100" % params["size"])
        else:
            size = validation.size_bytes(params["size"])
    except ValidationError as error:
        errors.append(str(error))
    try:
        if params["chunk_size"]:
            chunk = validation.size_bytes(params["chunk_size"], default_unit="k")
            if not CHUNK_MIN <= chunk <= CHUNK_MAX or chunk % CHUNK_STEP:
                raise ValidationError("invalid chunk_size %r: a multiple of 64 KiB from 64K to 1G" % params["chunk_size"])
    except ValidationError as error:
        errors.append(str(error))
    try:
        if params["metadata_size"]:
            metadata = validation.size_bytes(params["metadata_size"], default_unit="m")
            if not METADATA_MIN <= metadata <= METADATA_MAX:
                raise ValidationError("invalid metadata_size %r: from 2M to 16G" % params["metadata_size"])
    except ValidationError as error:
        errors.append(str(error))
    if errors:
        raise ValidationError("; ".join(errors))
    return percent, size, chunk, metadata


def wanted_size(vg, percent, size):
    """The pool's data size in bytes as LVM will store it: whole extents; a percentage of the
    group rounded down, so that 100% fits."""
    extent = vg["extent_size"]
    if percent is not None:
        return int(vg["size"] * percent / 100.0) // extent * extent
    return lvm.round_up_to_extent(size, extent)


def plan(module, vg, pool, size, chunk, metadata):
    """(steps, problems, warnings): what to run, what to refuse, what to say."""
    steps, problems, warnings = [], [], []
    name = module.params["name"]
    if pool is None:
        if size > vg["free"]:
            problems.append("not enough free space in volume group %s for thin pool %s: it needs %s, %s are free"
                            % (vg["name"], name, lvm.gb_text(size), lvm.gb_text(vg["free"])))
        steps.append(("create", size))
        return steps, problems, warnings
    if not pool["is_thin_pool"]:
        problems.append("%s in volume group %s is not a thin pool (lv_attr %s); it is left as it is" % (name, vg["name"], pool["attr"]))
        return steps, problems, warnings
    if chunk is not None and chunk != pool["chunk_size"]:
        problems.append("thin pool %s has a chunk size of %d KiB, not %d KiB: a pool's chunk size is fixed when it is made"
                        % (name, pool["chunk_size"] // KIB, chunk // KIB))
    if size > pool["size"]:
        if size - pool["size"] > vg["free"]:
            problems.append("not enough free space in volume group %s to grow thin pool %s to %s: %s are free"
                            % (vg["name"], name, lvm.gb_text(size), lvm.gb_text(vg["free"])))
        steps.append(("grow", size))
    elif size < pool["size"]:
        warnings.append("thin pool %s is %s, more than the %s asked; a thin pool is never shrunk"
                        % (name, lvm.gb_text(pool["size"]), lvm.gb_text(size)))
    if metadata is not None:
        metadata = lvm.round_up_to_extent(metadata, vg["extent_size"])
        if metadata > pool["metadata_size"]:
            steps.append(("grow_metadata", metadata))
        elif metadata < pool["metadata_size"]:
            warnings.append("thin pool %s has %d MiB of metadata, more than the %d MiB asked; it is never shrunk"
                            % (name, pool["metadata_size"] // MIB, metadata // MIB))
    return steps, problems, warnings


def apply_steps(module, steps, chunk, metadata):
    vg, name = module.params["vg"], module.params["name"]
    for step in steps:
        if step[0] == "create":
            lvm.lvcreate_runner(module).run(
                "yes thin_pool zero size_bytes chunk_size_bytes metadata_size_bytes name vg", yes=True, thin_pool=True, zero=True,
                size_bytes=step[1], chunk_size_bytes=chunk, metadata_size_bytes=metadata, name=name, vg=vg)
        elif step[0] == "grow":
            lvm.lvresize_runner(module, "lvextend").run("size_bytes lv", size_bytes=step[1], lv="%s/%s" % (vg, name))
        else:
            lvm.lvresize_runner(module, "lvextend").run("metadata_size_bytes lv", metadata_size_bytes=step[1], lv="%s/%s" % (vg, name))


def expected(pool, steps, name, chunk, metadata):
    """The pool as check mode predicts it (LVM's own choices unknown until it is made)."""
    after = dict(pool) if pool else dict(name=name, size=None, chunk_size=chunk, metadata_size=metadata,
                                         data_percent=0.0, metadata_percent=None)
    for step in steps:
        if step[0] in ("create", "grow"):
            after["size"] = step[1]
        else:
            after["metadata_size"] = step[1]
    return after


def describe(pool):
    if pool is None:
        return None
    return dict(name=pool["name"], size=lvm.size_gb(pool["size"]), size_bytes=pool["size"], chunk_size=pool["chunk_size"],
                metadata_size=pool["metadata_size"], data_percent=pool["data_percent"], metadata_percent=pool["metadata_percent"])


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volume_group"],
            name=dict(type="str", default="nova-volumes-pool"),
            size=dict(type="str", default="90%"),
            chunk_size=dict(type="str"),
            metadata_size=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        percent, size, chunk, metadata = checked_input(params)
    except ValidationError as error:
        module.fail_json(msg=str(error))

    try:
        vg = lvm.read_vg(module, params["vg"])
        if vg is None:
            module.fail_json(msg="volume group %s does not exist on this host: make it first (the volume_group role)" % params["vg"])
        pool = lvm.read_pool(module, params["vg"], params["name"])
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())

    steps, problems, warnings = plan(module, vg, pool, wanted_size(vg, percent, size), chunk, metadata)
    if problems:
        module.fail_json(msg="; ".join(problems) + ". Nothing was changed.", actions=[])
    for warning in warnings:
        module.warn(warning)

    after = expected(pool, steps, params["name"], chunk, metadata)
    if steps and not module.check_mode:
        try:
            apply_steps(module, steps, chunk, metadata)
            after = lvm.read_pool(module, params["vg"], params["name"])
        except CommandError as error:
            module.fail_json(**error.fail_json_kwargs())
    output = dict(changed=bool(steps), actions=[step[0] for step in steps], pool=describe(after))
    if module._diff:
        keys = ("size", "metadata_size")
        output["diff"] = dict(before=dict((key, pool[key]) for key in keys) if pool else "absent",
                              after=dict((key, after[key]) for key in keys))
    module.exit_json(**output)


if __name__ == "__main__":
    main()
