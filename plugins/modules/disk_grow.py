#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: disk_grow
short_description: Make an attached volume's disk show its new size, and grow the file system on it
version_added: 0.2.0
description:
  - Runs on the compute host a volume is attached to, after the volume grew on the controller
    (M(novavolume.lvm_iscsi.volume) with a larger O(novavolume.lvm_iscsi.volume#module:size)),
    online, with the disk in use.
  - Rescans the iSCSI session (C(iscsiadm -m session -r SID --rescan)) when the disk's size is not
    O(size) yet, so the kernel sees the new size; a disk already of that size is left alone.
  - With O(grow_filesystem=true), then grows the mounted file system on the disk, on the whole
    disk or on its last partition (dos or gpt), which is grown first to the end of the disk
    (C(sfdisk -N), then C(partx --update) tells the kernel while the partition is mounted; a gpt
    backup header is moved to the new end first). ext2, ext3 and ext4 grow with C(resize2fs),
    xfs with C(xfs_growfs), both online.
  - What is on the disk is read before anything changes (C(sfdisk --json), C(dumpe2fs -h),
    C(xfs_info)), so check mode predicts the run, and a layout this module cannot grow (a file
    system that is not mounted, not on the last partition, or of another type) is refused before
    the rescan.
  - A volume is never shrunk online. An O(size) below the disk's size is refused.
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
  - novavolume.lvm_iscsi.session_target
options:
  lun:
    description:
      - LUN of the volume in the target. When omitted, the session's only disk (each of this
        collection's exports has one).
    type: int
  size:
    description:
      - The volume's size now, which the disk must show. A number of bytes, or a string with a unit
        (V(2G)); RV(novavolume.lvm_iscsi.volume#module:volume.size_bytes) after the growth.
    type: raw
    required: true
  grow_filesystem:
    description: Also grow the last partition and the mounted file system to the new size.
    type: bool
    default: false
requirements:
  - open-iscsi (iscsiadm)
  - with O(grow_filesystem), sfdisk (fdisk) and partx (util-linux) for partitions, resize2fs and
    dumpe2fs (e2fsprogs) for ext2/3/4, xfs_growfs and xfs_info (xfsprogs) for xfs
notes:
  - A target has to export the grown size for the rescan to show it. LIO's block backstores read
    the size of their device at every request, so they do at once; tgt keeps the size it read when
    the LUN was made. The module fails, saying so, when the disk does not show O(size) after the
    rescan.
seealso:
  - module: novavolume.lvm_iscsi.volume
  - module: novavolume.lvm_iscsi.iscsi_session
"""

EXAMPLES = r"""
- name: Grow the volume on the controller
  novavolume.lvm_iscsi.volume:
    name: volume-00000001
    size: 2
  register: grown

- name: Show the new size on compute1 and grow its file system there
  novavolume.lvm_iscsi.disk_grow:
    portal_address: 192.0.2.10
    target_iqn: iqn.2010-10.org.openstack:volume-00000001
    size: "{{ grown.volume.size_bytes }}"
    grow_filesystem: true
  delegate_to: compute1
"""

RETURN = r"""
kernel_name:
  description: Kernel name of the disk.
  returned: success
  type: str
  sample: sdb
session_id:
  description: open-iscsi session id.
  returned: success
  type: int
  sample: 3
size:
  description: Size of the disk in bytes after the run (in check mode, what it would be).
  returned: success
  type: int
  sample: 2147483648
partition:
  description: The last partition, with O(grow_filesystem) on a partitioned disk; sizes in bytes.
  returned: with O(grow_filesystem), on a partitioned disk
  type: dict
  sample: {node: /dev/sdb1, number: 1, label: dos, grow: true, size_before: 1072693248, size_after: 2146435072}
filesystem:
  description:
    - The file system grown, with O(grow_filesystem); sizes in bytes. In check mode its C(size_after)
      is the size of its device, which it grows to fill.
  returned: with O(grow_filesystem)
  type: dict
  sample: {type: ext4, device: /dev/sdb1, mountpoint: /mnt/data, grow: true, size_before: 1072693248, size_after: 2146435072}
actions:
  description: What was (or in check mode would be) done, in order.
  returned: always
  type: list
  elements: str
  sample: ["rescan (disk 1073741824 -> 2147483648 bytes)", grow partition /dev/sdb1, grow ext4 file system on /dev/sdb1]
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import disk_growth, iscsiadm, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError


def validate(params):
    validation.session_target(params)
    if params["lun"] is not None and params["lun"] < 0:
        raise validation.ValidationError("lun must not be negative")
    # A plain number is bytes here: the controller's result gives size_bytes.
    return validation.size_bytes(params["size"], default_unit="b")


def find_disk(module, adm, view, result):
    """(session, kernel name) of the volume's disk; fails when the host is not attached."""
    params = module.params
    target, portal = params["target_iqn"], iscsiadm.portal_of(params["portal_address"], params["portal_port"])
    session = [item for item in adm.sessions() if item["target"] == target and item["portal"] == portal]
    if not session:
        module.fail_json(msg="this host has no session with %s at %s: the volume is not attached here" % (target, portal), **result)
    disks = view.session_disks(session[0]["sid"])
    if params["lun"] is not None:
        name = disks.get(params["lun"])
    else:
        name = list(disks.values())[0] if len(disks) == 1 else None
    if name is None:
        module.fail_json(msg="session %d with %s has %s" % (
            session[0]["sid"], target, "no disk at LUN %d" % params["lun"] if params["lun"] is not None
            else "%d disks (%s): give lun" % (len(disks), ", ".join(sorted(disks.values()))) if disks else "no disk"), **result)
    return session[0], name


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["session_target"],
            lun=dict(type="int"),
            size=dict(type="raw", required=True),
            grow_filesystem=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        wanted = validate(module.params)
    except validation.ValidationError as error:
        module.fail_json(msg=str(error))
    result = dict(changed=False, target=module.params["target_iqn"], actions=[])
    adm, view = iscsiadm.Iscsiadm(module), iscsiadm.HostView()
    try:
        session, name = find_disk(module, adm, view, result)
        result.update(kernel_name=name, session_id=session["sid"])
        before = view.size(name)
        if wanted < before:
            module.fail_json(msg="/dev/%s is %d bytes, larger than the volume's %d: a volume is not shrunk while "
                             "attached (detach it first); nothing was changed" % (name, before, wanted), **result)
        plan = disk_growth.Plan(name, before, wanted)
        if module.params["grow_filesystem"]:
            plan.plan_filesystem(view, disk_growth.reader(module))
        result.update(changed=bool(plan.actions()), actions=plan.actions(), size=wanted,
                      diff=dict(before=plan.view("before"), after=plan.view("after")))
        if plan.partition:
            result["partition"] = plan.partition
        if plan.filesystem:
            result["filesystem"] = plan.filesystem
        if not module.check_mode:
            grow(module, adm, view, session, plan, result)
    except disk_growth.LayoutError as error:
        result.pop("diff", None)
        module.fail_json(msg="%s; nothing was changed" % error, **result)
    except CommandError as error:
        result.pop("diff", None)
        module.fail_json(**dict(result, **error.fail_json_kwargs()))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


def grow(module, adm, view, session, plan, result):
    done = []
    if plan.rescan:
        adm.rescan(session["sid"])
        shown = view.size(plan.name)
        if shown != plan.disk_after:
            # The rescan changed nothing the disk shows: the run changed nothing.
            result.update(changed=False)
            result.pop("diff", None)
            module.fail_json(
                msg="after a rescan of session %d, /dev/%s shows %d bytes, not the volume's %d: the target does not "
                "export the new size yet (LIO does at once; tgt keeps the size it read when the export was made)"
                % (session["sid"], plan.name, shown, plan.disk_after), **result)
        done.append("rescan")
    grower = disk_growth.Grower(module)
    try:
        if plan.partition and plan.partition["grow"]:
            grower.grow_partition("/dev/%s" % plan.name, plan.partition)
            done.append("grow partition")
        if plan.filesystem and plan.filesystem["grow"]:
            grower.grow_filesystem(plan.filesystem)
            plan.filesystem["size_after"] = grower.filesystem_size(plan.filesystem)
            result["diff"]["after"]["filesystem_size"] = plan.filesystem["size_after"]
    except CommandError as error:
        details = error.fail_json_kwargs()
        details["msg"] = "%s (done before it: %s)" % (details["msg"], ", ".join(done) or "nothing")
        result.pop("diff", None)
        module.fail_json(**dict(result, changed=bool(done), **details))


if __name__ == "__main__":
    main()
