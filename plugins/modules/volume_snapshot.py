#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: volume_snapshot
short_description: Create, delete and revert to snapshots of volumes
version_added: 0.2.0
description:
  - A snapshot is an LV of the volume group O(vg) taken of a volume, like C(nova snapshot-create).
    Its metadata (the volume it was taken of, display name, creation time) lives in its LV tags,
    as a volume's does; that tag marks it as a user's snapshot, so that
    M(novavolume.lvm_iscsi.volume_info) lists it under C(snapshots) and never as a volume, and the
    temporary snapshots of M(novavolume.lvm_iscsi.volume_backup) never show up as one.
  - The snapshot of a thin volume is a thin snapshot in the same thin pool (C(lvcreate --snapshot)
    without a size). It takes no space when taken, and pool space as the volume and it diverge. The
    same pool checks as for a new thin volume of the volume's size apply (see
    O(max_over_subscription_ratio), O(pool_full_threshold), O(force)).
  - The snapshot of a thick volume is a thick (copy-on-write) snapshot of O(size) taken from the
    volume group's free space. It turns invalid when the writes to the volume outgrow it.
  - A snapshot of an attached volume may be taken; it holds what the volume held at that instant
    (as a power cut would leave it; flush or freeze the file system first for a clean one).
  - O(state=reverted) merges the snapshot back into its volume (C(lvconvert --mergethin) for a
    thin snapshot, C(lvconvert --merge) for a thick one). The volume holds the snapshot's data
    again, and the snapshot is gone, as a merge uses it up. Take a new snapshot afterwards to
    keep one. The volume must be detached (not exported, not recorded as attached, not open);
    a revert under a mounted file system would corrupt it, so it is refused even with O(force).
  - The volume's tag records the snapshot it was last reverted to, so that a re-run of the same
    revert changes nothing instead of failing on the snapshot that the merge used up.
author:
  - novavolume maintainers (!UNKNOWN)
requirements:
  - lvm2 on the managed host
  - for O(state=reverted), the target backend's tools (see O(target_backend)), to see the volume is not exported
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
      - The snapshot's LV name; 1-63 lower-case letters, digits, C(.) or C(-), starting with a
        letter or digit, and not starting with C(snapshot) (LVM reserves that).
      - Mutually exclusive with O(name_template).
    type: str
  name_template:
    description:
      - Create one new snapshot, named from this template with the next free id among the LVs of
        the volume group (V(snap-%08x) names id 1 C(snap-00000001)); picked under the volume
        group's lock of new names, as the volume module does for new volumes.
      - Needs O(state=present). The new name is RV(snapshot.name).
    type: str
  volume:
    description:
      - The volume (LV name) to take the snapshot of. Required with O(state=present).
      - With O(state=absent) or O(state=reverted), optional; when given, the snapshot must be one of
        this volume.
    type: str
  display_name:
    description: Free text name shown by M(novavolume.lvm_iscsi.volume_info). Kept as it is when omitted.
    type: str
  size:
    description:
      - The copy-on-write space of a thick snapshot, required for one. A number is in GB (GiB); a
        string may carry a unit (V(512M)). Rounded up to whole extents.
      - Refused for the snapshot of a thin volume, which takes its space from the thin pool.
      - The size of an existing snapshot is left as it is.
    type: raw
  state:
    description:
      - V(present) takes the snapshot if it does not exist (and sets its display name).
      - V(absent) deletes it.
      - V(reverted) merges it into its volume (see the description); the snapshot is gone afterwards.
    type: str
    choices: [present, absent, reverted]
    default: present
  pool_full_threshold:
    description:
      - Refuse a thin snapshot while its pool's data or metadata use is above this percentage, unless O(force).
    type: float
    default: 95
  force:
    description:
      - Take a thin snapshot beyond O(max_over_subscription_ratio), in a pool above
        O(pool_full_threshold), or in a pool that does not zero its blocks.
      - It never allows a revert of a volume in use.
    type: bool
    default: false
notes:
  - Deleting a volume that has snapshots is refused by M(novavolume.lvm_iscsi.volume) unless its
    O(novavolume.lvm_iscsi.volume#module:force) is set, which deletes the snapshots with it.
  - A new volume can be made from a snapshot with M(novavolume.lvm_iscsi.volume)'s
    O(novavolume.lvm_iscsi.volume#module:source_snapshot).
seealso:
  - module: novavolume.lvm_iscsi.volume
  - module: novavolume.lvm_iscsi.volume_info
"""

EXAMPLES = r"""
- name: Snapshot a thin volume (nova snapshot-create)
  novavolume.lvm_iscsi.volume_snapshot:
    name: snap-00000001
    volume: volume-00000001
    display_name: before-upgrade

- name: Snapshot a thick volume, with 1 GB of copy-on-write space
  novavolume.lvm_iscsi.volume_snapshot:
    name: snap-00000002
    volume: volume-00000002
    size: 1

- name: Snapshot with the next free id
  novavolume.lvm_iscsi.volume_snapshot:
    name_template: snap-%08x
    volume: volume-00000001
  register: new_snapshot

- name: Put the volume back as it was in the snapshot (detach it first); the snapshot is used up
  novavolume.lvm_iscsi.volume_snapshot:
    name: snap-00000001
    state: reverted

- name: Delete a snapshot
  novavolume.lvm_iscsi.volume_snapshot:
    name: snap-00000002
    state: absent
"""

RETURN = r"""
snapshot:
  description: The snapshot after the run (or as it would be, in check mode).
  returned: always
  type: dict
  contains:
    name:
      description: The snapshot's LV name.
      type: str
      sample: snap-00000001
    volume:
      description: The volume it is (or was) a snapshot of.
      type: str
      sample: volume-00000001
    state:
      description: V(present) or V(absent) after the run; a revert leaves it V(absent).
      type: str
      sample: present
    actions:
      description: What was (or would be) done, in order (V(create), V(tags), V(remove), V(merge)); empty when nothing changed.
      type: list
      elements: str
      sample: [create]
    provisioning:
      description: V(thin) or V(thick); null when absent.
      type: str
      sample: thin
    size_bytes:
      description: A thick snapshot's copy-on-write space, a thin one's virtual size, in bytes; null when absent.
      type: int
      sample: 1073741824
    display_name:
      description: Display name from the tags.
      type: str
      sample: before-upgrade
record:
  description:
    - The snapshot as M(novavolume.lvm_iscsi.volume_info) lists each of its snapshots.
  returned: when a snapshot was created, not in check mode
  type: dict
  sample: {id: snap-00000001, origin: volume-00000001, status: available, provisioning: thin}
diff:
  description: Before and after of the snapshot (volume, provisioning, display name), and for a revert, of the volume's last revert.
  returned: when diff mode is on
  type: dict
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks, lvm, validation, volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import load_backend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import BackendError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_records import describe_snapshot
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import NameTemplate

# A thick merge polls its progress; LVM's default of 15 s would leave a small merge waiting.
MERGE_POLL_SECONDS = 1


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot_name(name):
    validation.volume_name(name)
    if lvm.reserved_lv_name(name):
        raise ValidationError("invalid snapshot name %r: LVM reserves names starting with %s"
                              % (name, " or ".join(lvm.RESERVED_LV_PREFIXES)))
    return name


def validate(params):
    """All input checks, before anything is read; one message for every problem."""
    errors = []
    checks = [
        lambda: params["name"] is not None and snapshot_name(params["name"]),
        lambda: params["volume"] is not None and validation.volume_name(params["volume"]),
        lambda: validation.vg_name(params["vg"]),
        lambda: validation.iqn(lvm.target_iqn(params["target_prefix"], "x"), "target_prefix"),
        lambda: validation.thin_pool_limits(params["max_over_subscription_ratio"], params["pool_full_threshold"]),
    ]
    for check in checks:
        try:
            check()
        except ValidationError as error:
            errors.append(str(error))
    template = None
    if params["name_template"] is not None:
        try:
            template = NameTemplate(params["name_template"])
            snapshot_name(template.name(1))
        except ValidationError as error:
            errors.append(str(error))
    if params["state"] == "present":
        if params["volume"] is None:
            errors.append("state=present needs the volume to take the snapshot of")
        if params["size"] is not None:
            try:
                params["size_bytes"] = validation.size_bytes(params["size"])
            except ValidationError as error:
                errors.append(str(error))
    else:
        if params["name_template"] is not None:
            errors.append("name_template names a new snapshot: state must be present")
        for option in ("size", "display_name"):
            if params[option] is not None:
                errors.append("%s is only for state=present" % option)
    if errors:
        raise ValidationError("; ".join(errors))
    return template


def snapshot_result(name, volume, lv, actions):
    described = None if lv is None else dict(
        provisioning=lvm.provisioning(lv), size_bytes=lv["size"],
        display_name=volume_meta.decode(lv["tags"]).get("display_name"))
    result = dict(name=name, volume=volume, state="absent" if lv is None else "present", actions=actions,
                  provisioning=None, size_bytes=None, display_name=None)
    result.update(described or {})
    return result


def diff_view(volume, lv):
    if lv is None:
        return "absent"
    return dict(volume=volume, provisioning=lvm.provisioning(lv),
                display_name=volume_meta.decode(lv["tags"]).get("display_name"))


class Snapshots:
    """One run: reads the volume group once (under the locks), plans, then changes."""

    def __init__(self, module, params):
        self.module = module
        self.params = params
        self.vg_name = params["vg"]
        self.errors = []

    def read(self):
        vg, lvs = lvm.read_vg_and_lvs(self.module, self.vg_name)
        if vg is None:
            self.module.fail_json(msg="volume group %s does not exist on this host" % self.vg_name)
        return vg, dict((lv["name"], lv) for lv in lvs)

    def lv_path(self, name):
        return "%s/%s" % (self.vg_name, name)

    def fail(self, msg):
        self.module.fail_json(msg=msg)

    def present(self, name):
        params = self.params
        vg, lvs = self.read()
        volume = lvs.get(params["volume"])
        if volume is None or not lvm.is_volume(volume):
            self.fail("volume %s does not exist in volume group %s%s" % (
                params["volume"], self.vg_name, "" if volume is None else " (%s is not a volume)" % params["volume"]))
        thin = volume["is_thin"]
        if thin and params["size"] is not None:
            self.fail("volume %s is thin: its snapshot is thin and takes its space from thin pool %s, so it "
                      "takes no size (leave size out)" % (params["volume"], volume["pool"]))
        lv = lvs.get(name)
        actions, steps = [], []
        if lv is not None:
            self.check_own(name, lv, params["volume"])
            if lv["snapshot_invalid"]:
                self.fail("snapshot %s of volume %s overflowed (LVM marks it invalid: the writes to the volume "
                          "outgrew its copy-on-write space), so its data is lost; delete it (state=absent)"
                          % (name, params["volume"]))
            if params["display_name"] is not None:
                add, delete = volume_meta.tag_changes(lv["tags"], dict(display_name=params["display_name"]))
                if add or delete:
                    steps.append(("tags", add, delete))
        else:
            tags = volume_meta.encode(dict(snapshot_of=params["volume"], display_name=params["display_name"],
                                           created_at=utc_now()))
            if thin:
                errors = lvm.thin_pool_refusals(lvm.thin_pools(lvs.values()), lvs, self.vg_name,
                                                {volume["pool"]: volume["size"]}, params["max_over_subscription_ratio"],
                                                params["pool_full_threshold"], params["force"])
                if errors:
                    self.fail("refusing to snapshot volume %s: %s" % (params["volume"], "; ".join(errors)))
                size = None
            else:
                if params["size"] is None:
                    self.fail("volume %s is thick: its snapshot is a copy-on-write snapshot and needs a size (the "
                              "space for the writes to the volume while the snapshot exists)" % params["volume"])
                size = lvm.round_up_to_extent(params["size_bytes"], vg["extent_size"])
                if size > vg["free"]:
                    self.fail("not enough free space in volume group %s for a snapshot of %s: %s are free"
                              % (self.vg_name, lvm.gb_text(size), lvm.gb_text(vg["free"])))
            steps.append(("create", size, tags))
        after = self.expected_after(lv, volume, steps)
        if not self.module.check_mode:
            for step in steps:
                self.run_step(name, params["volume"], step)
        actions = [step[0] for step in steps]
        output = dict(changed=bool(steps), snapshot=snapshot_result(name, params["volume"], after, actions))
        if steps and not self.module.check_mode and lv is None:
            created = self.read()[1].get(name)
            output["record"] = describe_snapshot(created) if created else None
        return output, diff_view(params["volume"], lv), diff_view(params["volume"], after)

    def expected_after(self, lv, volume, steps):
        after = dict(lv) if lv else None
        for step in steps:
            if step[0] == "create":
                after = dict(size=step[1] if step[1] is not None else volume["size"], tags=step[2],
                             is_thin=step[1] is None)
            elif step[0] == "tags":
                after["tags"] = sorted(set(after["tags"]) - set(step[2]) | set(step[1]))
        return after

    def check_own(self, name, lv, volume):
        """An LV of that name must be a snapshot of `volume` made by this module."""
        of = lvm.snapshot_of(lv)
        if of is None:
            self.fail("%s in volume group %s is not a snapshot made by volume_snapshot (lv_attr %s); it is left "
                      "alone" % (name, self.vg_name, lv["attr"]))
        if volume is not None and of != volume:
            self.fail("%s is a snapshot of volume %s, not of %s" % (name, of, volume))
        return of

    def absent(self, name):
        _vg, lvs = self.read()
        lv = lvs.get(name)
        if lv is None:
            return dict(changed=False, snapshot=snapshot_result(name, self.params["volume"], None, [])), "absent", "absent"
        volume = self.check_own(name, lv, self.params["volume"])
        if not self.module.check_mode:
            self.run_step(name, volume, ("remove",))
        return (dict(changed=True, snapshot=snapshot_result(name, volume, None, ["remove"])),
                diff_view(volume, lv), "absent")

    def reverted(self, name):
        _vg, lvs = self.read()
        lv = lvs.get(name)
        if lv is None:
            # The merge used the snapshot up: a volume whose tag says it was reverted to it is done.
            done = [other["name"] for other in lvs.values() if lvm.is_volume(other)
                    and volume_meta.decode(other["tags"]).get("reverted_to") == name
                    and self.params["volume"] in (None, other["name"])]
            if not done:
                self.fail("snapshot %s does not exist in volume group %s%s" % (
                    name, self.vg_name, "" if self.params["volume"] is None else " (for volume %s)" % self.params["volume"]))
            return dict(changed=False, snapshot=snapshot_result(name, done[0], None, [])), "absent", "absent"
        volume_name = self.check_own(name, lv, self.params["volume"])
        volume = lvs.get(volume_name)
        if volume is None:
            self.fail("snapshot %s is of volume %s, which no longer exists: there is nothing to revert" % (name, volume_name))
        if lv["snapshot_invalid"]:
            self.fail("refusing to revert volume %s to snapshot %s: the snapshot overflowed (LVM marks it invalid), "
                      "so its data is lost" % (volume_name, name))
        backend = load_backend(self.module, self.params["target_backend"])
        try:
            exports = backend.exports()
        except BackendError as error:
            self.fail("cannot read the exports of target backend %s: %s" % (self.params["target_backend"], error))
        export = lvm.find_export(exports, self.params["target_prefix"], self.vg_name, volume_name)
        reasons = lvm.users_of_volume(volume, volume_meta.decode(volume["tags"]), export, [])
        if reasons:
            self.fail("refusing to revert volume %s to snapshot %s while it is in use: %s (detach it first; a "
                      "revert under a mounted file system would corrupt it, so force does not allow it)"
                      % (volume_name, name, "; ".join(reasons)))
        add, delete = volume_meta.tag_changes(volume["tags"], dict(reverted_to=name))
        if not self.module.check_mode:
            self.run_step(name, volume_name, ("merge", lv["is_thin"]))
            # A snapshot name can come again (a new snapshot takes the next free id): the tag may
            # already name it.
            if add or delete:
                self.run_step(name, volume_name, ("volume_tags", add, delete), done="the merge")
        before = dict(diff_view(volume_name, lv), volume_reverted_to=volume_meta.decode(volume["tags"]).get("reverted_to"))
        return (dict(changed=True, snapshot=snapshot_result(name, volume_name, None, ["merge"])),
                before, dict(state="absent", volume_reverted_to=name))

    def run_step(self, name, volume, step, done=None):
        kind = step[0]
        try:
            if kind == "create":
                lvm.lvcreate_runner(self.module).run("yes snapshot size_bytes name tags vg", yes=True, snapshot=True,
                                                     size_bytes=step[1], name=name, tags=step[2], vg=self.lv_path(volume))
            elif kind == "tags":
                lvm.lvchange_runner(self.module).run("del_tags add_tags lv", add_tags=step[1], del_tags=step[2],
                                                     lv=self.lv_path(name))
            elif kind == "remove":
                lvm.lvremove_runner(self.module).run("yes lv", yes=True, lv=self.lv_path(name))
            elif kind == "merge":
                if step[1]:
                    lvm.lvconvert_runner(self.module).run("mergethin lv", mergethin=True, lv=self.lv_path(name))
                else:
                    lvm.lvconvert_runner(self.module).run("merge interval lv", merge=True, interval=MERGE_POLL_SECONDS,
                                                          lv=self.lv_path(name))
            elif kind == "volume_tags":
                lvm.lvchange_runner(self.module).run("del_tags add_tags lv", add_tags=step[1], del_tags=step[2],
                                                     lv=self.lv_path(volume))
        except CommandError as error:
            details = error.fail_json_kwargs()
            details["msg"] = "snapshot %s: %s (done before it: %s)" % (name, details["msg"], done or "nothing")
            self.module.fail_json(changed=done is not None, **details)


def origin_of(module, params, name):
    """The volume whose locks a run on snapshot `name` takes: given, or read from the snapshot's
    tag (or, for a snapshot a revert used up, from the reverted volume's tag). This first read is
    outside the locks only to name them; the run reads again once it holds them."""
    if params["volume"] is not None:
        return params["volume"]
    for lv in lvm.read_lvs(module, params["vg"]):
        if lv["name"] == name and lvm.snapshot_of(lv):
            return lvm.snapshot_of(lv)
        if lvm.is_volume(lv) and volume_meta.decode(lv["tags"]).get("reverted_to") == name:
            return lv["name"]
    return None


def lock_names(params, volume):
    names = [locks.TARGET_CONFIG] if params["state"] == "reverted" else []
    if volume is not None:
        names += [locks.volume_lock(params["vg"], volume), locks.backups_lock(params["vg"], volume)]
    return names


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volumes", "locking", "target_backend"],
            name=dict(type="str"),
            name_template=dict(type="str"),
            volume=dict(type="str"),
            display_name=dict(type="str"),
            size=dict(type="raw"),
            state=dict(type="str", choices=["present", "absent", "reverted"], default="present"),
            max_over_subscription_ratio=dict(type="float", default=20.0),
            pool_full_threshold=dict(type="float", default=95),
            force=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("name", "name_template")],
        required_one_of=[("name", "name_template")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        template = validate(params)
    except ValidationError as error:
        module.fail_json(msg=str(error))

    run = Snapshots(module, params)
    name = params["name"]
    try:
        if template is not None:
            # Snapshots share the LVs' namespace with volumes: the name is picked under the same
            # lock as a new volume's, so two runs at once never pick the same one.
            with locks.held([locks.new_volume_lock(params["vg"])] + lock_names(params, params["volume"]),
                            "volume_snapshot (a new %s of %s)" % (params["name_template"], params["volume"]),
                            wait=params["lock_timeout"]):
                name = template.next_name([lv["name"] for lv in lvm.read_lvs(module, params["vg"])])
                output, before, after = run.present(name)
        else:
            volume = origin_of(module, params, name)
            with locks.held(lock_names(params, volume), "volume_snapshot (%s %s)" % (params["state"], name),
                            wait=params["lock_timeout"]):
                output, before, after = getattr(run, params["state"])(name)
    except locks.LockTimeout as error:
        module.fail_json(msg=str(error))
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    if module._diff:
        output["diff"] = dict(before=before, after=after)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
