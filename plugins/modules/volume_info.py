#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: volume_info
short_description: List volumes with their status, like C(nova volume-list)
version_added: 0.1.0
description:
  - Lists the volumes (LVs) of the volume group O(vg) with the columns of C(nova volume-list)
    (ID, Status, Display Name, Size, Volume Type, Attached to) plus mountpoint, device path and
    creation time; snapshots are listed apart, with their origin.
  - The snapshots are those made by M(novavolume.lvm_iscsi.volume_snapshot) (thin or thick, told
    apart by their tag, since LVM shows a thin snapshot as one more thin volume) and thick
    snapshots made by hand; the temporary snapshots of M(novavolume.lvm_iscsi.volume_backup) are
    never listed, and no snapshot is ever listed as a volume.
  - The status is derived from LVM, the target's exports and the volume's tags, with one C(lvs)
    (whose rows carry the volume group's fields too; C(vgs) runs only for a volume group without
    volumes) and one read of the target backend's exports.
  - All three are read under a shared lock on the target's configuration (see O(lock_timeout)),
    because an attach or detach at the same moment changes the export and then the volume's tags under
    that lock, so a listing never sees an export half made (rtslib fails on a LUN whose storage
    object is not there yet) or an export without the attachment that is being recorded for it.
    Listings at once do not wait for each other.
  - V(available) means no attachment is recorded and no export exists; V(in-use) means an
    attachment is recorded and the volume is exported with the attached initiator in its ACL;
    V(attaching) and V(detaching) come from the recorded attachment status; anything else is
    V(error) with RV(volumes[].status_reason) saying what disagrees.
  - Thin pools are listed apart in RV(pools), never as volumes, with their data and metadata use,
    the virtual size of their thin volumes and its oversubscription, and a V(warning) state when
    either use is above O(pool_warning_threshold) or the oversubscription above
    O(max_over_subscription_ratio).
author:
  - novavolume maintainers (!UNKNOWN)
requirements:
  - lvm2 on the managed host
  - the target backend's tools (see O(target_backend))
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.volume_group
  - novavolume.lvm_iscsi.volumes
  - novavolume.lvm_iscsi.target_backend
  - novavolume.lvm_iscsi.locking
  - novavolume.lvm_iscsi.thin_pools
  - novavolume.lvm_iscsi.volume_reference
options:
  name:
    description:
      - List only this volume (and its snapshots). Every thin pool is listed still.
      - Mutually exclusive with O(reference).
    type: str
  attached_to:
    description:
      - With O(reference) (which lists only that volume and its snapshots), fail when the volume
        is recorded as attached to another host than this inventory name (before a detach).
    type: str
  refuse_in_use:
    description: With O(reference), fail when the volume is attached to any host (before a delete without force).
    type: bool
    default: false
  pool_warning_threshold:
    description: A thin pool whose data or metadata use is above this percentage is in the V(warning) state.
    type: float
    default: 80
seealso:
  - module: novavolume.lvm_iscsi.volume
"""

EXAMPLES = r"""
- name: List the volumes (nova volume-list)
  novavolume.lvm_iscsi.volume_info:
  register: listing

- name: Show one volume's status
  novavolume.lvm_iscsi.volume_info:
    name: volume-00000001
  register: one

- name: Find the volume a person named (its id, LV name or display name)
  novavolume.lvm_iscsi.volume_info:
    reference: "7"
  register: wanted

- name: Fail when a volume is in an error state
  ansible.builtin.assert:
    that: listing.volumes | selectattr('status', 'equalto', 'error') | list | length == 0
"""

RETURN = r"""
volumes:
  description: The volumes, sorted by id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The volume's id (LV name).
      type: str
      sample: volume-00000001
    name:
      description: The same as RV(volumes[].id).
      type: str
      sample: volume-00000001
    status:
      description: One of V(available), V(in-use), V(attaching), V(detaching), V(error).
      type: str
      sample: available
    status_reason:
      description: Why the status is V(error) (null otherwise).
      type: str
      sample: "its tags say it is attached to compute1, but no export exists"
    display_name:
      description: Display name from the tags.
      type: str
      sample: myvolume
    size:
      description: Size in GB (GiB).
      type: float
      sample: 10
    size_bytes:
      description: Size in bytes.
      type: int
      sample: 10737418240
    volume_type:
      description: Volume type from the tags.
      type: str
      sample: ssd
    attached_to:
      description: The compute host the volume is attached to, from the tags.
      type: str
      sample: compute1
    attached_initiator:
      description: The initiator IQN of that host, from the tags.
      type: str
      sample: iqn.2026-11.org.example:compute1
    mountpoint:
      description: The device name given at attachment, from the tags.
      type: str
      sample: /dev/vdb
    multipath:
      description:
        - Whether the attachment is a multipath one, from the tags (the attach records it when the
          compute host logs in on every portal and uses the dm-multipath map).
        - V(false) for a volume that is not attached, and for an attachment recorded before this
          field existed.
      type: bool
      sample: false
    device:
      description: The LV's device path on the controller.
      type: str
      sample: /dev/nova-volumes/volume-00000001
    created_at:
      description: Creation time from the tags (UTC, ISO 8601); the LV's own creation time when the tag is missing.
      type: str
      sample: "2026-11-24T20:28:00Z"
    target_iqn:
      description: The volume's target IQN.
      type: str
      sample: iqn.2010-10.org.openstack:volume-00000001
    exported:
      description: Whether an export of the volume exists.
      type: bool
      sample: false
    export_acls:
      description: The initiator IQNs allowed by the export (empty when not exported).
      type: list
      elements: str
      sample: []
    export_portals:
      description:
        - The portals (C(address:port)) the export is reached on, in the order they were added; a
          multipath attachment has a path over each of them (empty when not exported).
        - Null with tgt and IET, whose portal is host-wide (the iscsi_target role's listener).
      type: list
      elements: str
      sample: ["10.77.0.10:3260", "10.78.0.10:3260"]
    active:
      description: Whether the LV is active.
      type: bool
      sample: true
    open:
      description: Whether the LV is open on the controller.
      type: bool
      sample: false
    provisioning:
      description: V(thick) or V(thin) (LVM's C(lv_attr) V).
      type: str
      sample: thin
    thin_pool:
      description: The thin pool of a thin volume; null for a thick one.
      type: str
      sample: nova-volumes-pool
pools:
  description: The thin pools of the volume group, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The pool's LV name.
      type: str
      sample: nova-volumes-pool
    size:
      description: Its data size in GB (GiB).
      type: float
      sample: 10
    size_bytes:
      description: The same in bytes.
      type: int
      sample: 10737418240
    data_percent:
      description: How full its data is.
      type: float
      sample: 12.5
    metadata_percent:
      description: How full its metadata is.
      type: float
      sample: 10.55
    virtual_size:
      description: The sum of the sizes of its thin volumes and thin snapshots in GB.
      type: float
      sample: 20
    virtual_size_bytes:
      description: The same in bytes.
      type: int
      sample: 21474836480
    over_subscription_ratio:
      description: RV(pools[].virtual_size) over RV(pools[].size).
      type: float
      sample: 2.0
    volumes:
      description: How many thin volumes it holds (its thin snapshots not counted).
      type: int
      sample: 1
    state:
      description: V(ok), or V(warning) when RV(pools[].state_reason) says what is above its limit.
      type: str
      sample: ok
    state_reason:
      description: Why the state is V(warning) (null otherwise).
      type: str
      sample: null
snapshots:
  description: The snapshots, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The snapshot's LV name.
      type: str
      sample: volume-00000001-snap
    id:
      description: The same as RV(snapshots[].name), as C(nova snapshot-list) calls it.
      type: str
      sample: snap-00000001
    origin:
      description: The volume it is a snapshot of.
      type: str
      sample: volume-00000001
    display_name:
      description: Display name from the snapshot's tags (null for a snapshot made by hand).
      type: str
      sample: before-upgrade
    provisioning:
      description: V(thin) (a thin snapshot, sharing blocks with its volume in the thin pool) or V(thick).
      type: str
      sample: thin
    status:
      description: V(available), or V(error) when LVM marks the snapshot invalid (it overflowed).
      type: str
      sample: available
    status_reason:
      description: Why the status is V(error) (null otherwise).
      type: str
      sample: null
    size:
      description: A thick snapshot's copy-on-write space in GB; a thin snapshot's virtual size (its volume's size when taken).
      type: float
      sample: 1
    size_bytes:
      description: The same in bytes.
      type: int
      sample: 1073741824
    used_percent:
      description: How full a thick snapshot's copy-on-write space is; null for a thin snapshot (it takes pool space).
      type: float
      sample: 0.01
    device:
      description: The snapshot's device path.
      type: str
      sample: /dev/nova-volumes/volume-00000001-snap
    created_at:
      description: The creation time from the snapshot's tags (UTC, ISO 8601), else the LV's creation time as LVM reports it.
      type: str
      sample: "2026-11-24 20:28:00 +0000"
reference_error:
  description:
    - Why O(reference) was not resolved, V(not_found) or V(ambiguous); the message says which
      volumes matched. Only on that failure.
  returned: when O(reference) matches no volume or several
  type: str
  sample: ambiguous
vg:
  description: The volume group's size and free space.
  returned: always
  type: dict
  sample: {name: nova-volumes, size: 60, free: 50, size_bytes: 64420249600, free_bytes: 53682831360}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks, lvm, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import load_backend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import BackendError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_records import describe_snapshot, describe_volume
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import (
    NameTemplate, UnresolvedReference, refusal, resolve)


def describe_pool(pool, warning_threshold, max_ratio):
    reasons = ["its %s use is %g%%, above %g%%" % (what, pool[what + "_percent"], warning_threshold)
               for what in ("data", "metadata") if pool[what + "_percent"] > warning_threshold]
    if pool["size"] and float(pool["virtual"]) / pool["size"] > max_ratio:
        reasons.append("it is oversubscribed %s times, above max_over_subscription_ratio %g" % (pool["ratio"], max_ratio))
    return dict(
        name=pool["name"],
        size=lvm.size_gb(pool["size"]),
        size_bytes=pool["size"],
        data_percent=pool["data_percent"],
        metadata_percent=pool["metadata_percent"],
        virtual_size=lvm.size_gb(pool["virtual"]),
        virtual_size_bytes=pool["virtual"],
        over_subscription_ratio=pool["ratio"],
        volumes=pool["volumes"],
        state="warning" if reasons else "ok",
        state_reason="; ".join(reasons) or None,
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volumes", "locking", "target_backend"],
            name=dict(type="str"),
            reference=dict(type="str"),
            name_template=dict(type="str", default="volume-%08x"),
            attached_to=dict(type="str"),
            refuse_in_use=dict(type="bool", default=False),
            max_over_subscription_ratio=dict(type="float", default=20.0),
            pool_warning_threshold=dict(type="float", default=80),
        ),
        mutually_exclusive=[("name", "reference")],
        required_by=dict(attached_to="reference"),
        supports_check_mode=True,
    )
    params = module.params
    try:
        validation.vg_name(params["vg"])
        if params["name"] is not None:
            validation.volume_name(params["name"])
        template = NameTemplate(params["name_template"])
        if params["refuse_in_use"] and params["reference"] is None:
            raise ValidationError("refuse_in_use checks the volume found by reference: give reference too")
        validation.iqn(lvm.target_iqn(params["target_prefix"], "x"), "target_prefix")
        validation.thin_pool_limits(params["max_over_subscription_ratio"], params["pool_warning_threshold"], "pool_warning_threshold")
    except ValidationError as error:
        module.fail_json(msg=str(error))

    backend = load_backend(module, params["target_backend"])
    try:
        with locks.held([locks.TARGET_CONFIG], "volume_info (reading the volumes)", wait=params["lock_timeout"],
                        shared=True):
            vg, lvs = lvm.read_vg_and_lvs(module, params["vg"])
            if vg is None:
                module.fail_json(msg="volume group %s does not exist on this host" % params["vg"])
            exports = backend.exports()
    except locks.LockTimeout as error:
        module.fail_json(msg=str(error))
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except BackendError as error:
        module.fail_json(msg="cannot read the exports of target backend %s: %s" % (params["target_backend"], error))

    volumes, snapshots = [], []
    for lv in sorted(lvs, key=lambda lv: lv["name"]):
        if lvm.is_listed_snapshot(lv):
            snapshot = describe_snapshot(lv)
            if params["name"] in (None, snapshot["origin"]):
                snapshots.append(snapshot)
        elif lvm.is_volume(lv) and params["name"] in (None, lv["name"]):
            volumes.append(describe_volume(lv, params["vg"], exports, params["target_prefix"]))
    if params["reference"] is not None:
        try:
            volumes = [resolve(volumes, params["reference"], template)]
        except UnresolvedReference as error:
            module.fail_json(msg=str(error), reference_error=error.kind)
        refused = refusal(volumes[0], params["reference"].strip(), attached_to=params["attached_to"],
                          refuse_in_use=params["refuse_in_use"])
        if refused:
            module.fail_json(msg=refused, volumes=volumes)
        snapshots = [snapshot for snapshot in snapshots if snapshot["origin"] == volumes[0]["name"]]

    pools = lvm.thin_pools(lvs)
    module.exit_json(
        changed=False,
        volumes=volumes,
        snapshots=snapshots,
        pools=[describe_pool(pools[name], params["pool_warning_threshold"], params["max_over_subscription_ratio"]) for name in sorted(pools)],
        vg=dict(
            name=vg["name"],
            size=lvm.size_gb(vg["size"]),
            free=lvm.size_gb(vg["free"]),
            size_bytes=vg["size"],
            free_bytes=vg["free"],
        ),
    )


if __name__ == "__main__":
    main()
