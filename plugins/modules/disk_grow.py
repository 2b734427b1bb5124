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
  - With O(extra_portal_addresses) (a volume attached over dm-multipath, as
    M(novavolume.lvm_iscsi.iscsi_session) attaches it with the same portals), the disk is the
    dm-multipath map over the sessions' disks, as in os-brick's C(extend_volume). Each path disk
    that does not show O(size) yet is rescanned through its portal's session, then
    C(multipathd resize map WWID) reloads the map with the new size, which the map must then
    show. The file system grows on the map (C(/dev/mapper/WWID), seen as C(/dev/dm-N)). It fails,
    before anything changes, when a portal has no session with the target or no single map holds
    the paths.
  - With O(grow_filesystem), on a partitioned multipath map (C(kpartx)'s partition maps, such as
    C(/dev/mapper/WWID-part1)) the last partition is grown in the map's table (C(sfdisk -N) on
    C(/dev/mapper/WWID)), then C(kpartx -u) reloads the partition maps with it (after
    C(udevadm settle), since udev's rules run kpartx on the map as well, and again should the
    two collide), and the file system grows on the partition's map, online. A last partition
    that kpartx does not map is refused before anything changes.
  - Without O(extra_portal_addresses), a disk that is a path of a multipath map is refused
    before anything changes, since rescanning one path would leave the map, the disk in use, at its
    old size.
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
  - novavolume.lvm_iscsi.session_target
  - novavolume.lvm_iscsi.multipath_portals
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
  - with O(grow_filesystem), sfdisk (fdisk) and partx (util-linux) for partitions (kpartx and udevadm for a multipath map's), resize2fs and
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

- name: The same for a volume attached over dm-multipath on two storage networks
  novavolume.lvm_iscsi.disk_grow:
    portal_address: 192.0.2.10
    extra_portal_addresses: [198.51.100.10]
    target_iqn: iqn.2010-10.org.openstack:pathvolume
    size: "{{ grown.volume.size_bytes }}"
    grow_filesystem: true
  delegate_to: compute1
"""

RETURN = r"""
kernel_name:
  description: Kernel name of the disk (C(dm-N) for a multipath map).
  returned: success
  type: str
  sample: sdb
session_id:
  description: open-iscsi session id (with O(extra_portal_addresses), the one on O(portal_address)).
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
multipath:
  description:
    - The dm-multipath map and its paths (one per portal, in the order of the portals), with
      O(extra_portal_addresses); each path's C(size) in bytes after the run (in check mode, before it).
  returned: with O(extra_portal_addresses)
  type: dict
  sample:
    device: /dev/mapper/36001405e0a3b0c6b6a1e4d2a8f9c7d10
    wwid: 36001405e0a3b0c6b6a1e4d2a8f9c7d10
    paths:
      - {portal: "192.0.2.10:3260", session: 3, device: sdb, size: 2147483648}
      - {portal: "198.51.100.10:3260", session: 4, device: sdc, size: 2147483648}
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
    validation.multipath_portals(params)
    if params["lun"] is not None and params["lun"] < 0:
        raise validation.ValidationError("lun must not be negative")
    # A plain number is bytes here: the controller's result gives size_bytes.
    return validation.size_bytes(params["size"], default_unit="b")


def find_disk(module, sessions, view, address, result):
    """(session, kernel name) of the volume's disk on the portal at `address`; fails when the
    host has no session there."""
    params = module.params
    target, portal = params["target_iqn"], iscsiadm.portal_of(address, params["portal_port"])
    session = [item for item in sessions if item["target"] == target and item["portal"] == portal]
    if not session:
        module.fail_json(msg="this host has no session with %s at %s: the volume is not attached %s" % (
            target, portal, "over that portal (a multipath attach logs in on every portal)" if params["extra_portal_addresses"]
            else "here"), **result)
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


def find_map(module, adm, view, result):
    """The multipath map over the disks of every portal's session, as Plan's multipath dict
    (each path's size read now); fails when a portal has no session or no single map holds the
    paths."""
    params = module.params
    sessions = adm.sessions()
    paths = []
    for address in [params["portal_address"]] + params["extra_portal_addresses"]:
        session, name = find_disk(module, sessions, view, address, result)
        paths.append(dict(portal=iscsiadm.portal_of(address, params["portal_port"]), session=session["sid"],
                          device=name, size=view.size(name)))
    found = iscsiadm.multipath_map(view, [path["device"] for path in paths])
    if found is None:
        module.fail_json(msg="no dm-multipath map holds the path disks %s of %s: is the volume attached with multipath "
                         "(multipathd running with find_multipaths)?; nothing was changed"
                         % (", ".join(path["device"] for path in paths), params["target_iqn"]), **result)
    partitions = map_partitions(module, view, found, result) if params["grow_filesystem"] else {}
    return dict(name=found["name"], wwid=found["wwid"], dm=found["dm"], paths=paths, partitions=partitions)


def map_partitions(module, view, found, result):
    """{number: {dm, delimiter}} of kpartx's partition maps of the multipath map `found`: each is a
    device-mapper device of its own (dm uuid partN-mpath-WWID, named map name + delimiter + N)
    that holds the map, since the map has no partitions of its own in sysfs."""
    partitions = {}
    for holder in view.holders(found["dm"]):
        name, uuid = view.dm_info(holder) or ("", "")
        number = uuid[len("part"):].split("-", 1)[0] if uuid.startswith("part") else ""
        if not number.isdigit():
            continue
        if not (name.startswith(found["name"]) and name.endswith(number)):
            module.fail_json(msg="the partition map %s (%s) of the multipath map %s is not named after it: kpartx -u could "
                             "not keep its name; nothing was changed" % (name, holder, found["name"]), **result)
        partitions[int(number)] = dict(dm=holder, delimiter=name[len(found["name"]):len(name) - len(number)])
    return partitions


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["session_target", "multipath_portals"],
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
        if module.params["extra_portal_addresses"]:
            multipath = find_map(module, adm, view, result)
            name, session_id = multipath["dm"], multipath["paths"][0]["session"]
            # The same path dicts: a real run's rescans update their sizes.
            result["multipath"] = dict(device="/dev/mapper/%s" % multipath["name"], wwid=multipath["wwid"], paths=multipath["paths"])
        else:
            multipath = None
            session, name = find_disk(module, adm.sessions(), view, module.params["portal_address"], result)
            session_id = session["sid"]
            held_by = iscsiadm.multipath_map(view, [name])
            if held_by:
                # Rescanning one path would leave the map, the disk in use, at its old size.
                module.fail_json(msg="/dev/%s is a path of the dm-multipath map %s: give every portal of the attachment "
                                 "(extra_portal_addresses) so that all paths and the map grow; nothing was changed"
                                 % (name, held_by["name"]), **result)
        result.update(kernel_name=name, session_id=session_id)
        before = view.size(name)
        if wanted < before:
            module.fail_json(msg="/dev/%s is %d bytes, larger than the volume's %d: a volume is not shrunk while "
                             "attached (detach it first); nothing was changed" % (name, before, wanted), **result)
        plan = disk_growth.Plan(name, before, wanted, multipath=multipath)
        if module.params["grow_filesystem"]:
            plan.plan_filesystem(view, disk_growth.reader(module))
        result.update(changed=bool(plan.actions()), actions=plan.actions(), size=wanted,
                      diff=dict(before=plan.view("before"), after=plan.view("after")))
        if plan.partition:
            result["partition"] = plan.partition
        if plan.filesystem:
            result["filesystem"] = plan.filesystem
        if not module.check_mode:
            grow(module, adm, view, session_id, plan, result)
    except disk_growth.LayoutError as error:
        result.pop("diff", None)
        module.fail_json(msg="%s; nothing was changed" % error, **result)
    except CommandError as error:
        result.pop("diff", None)
        module.fail_json(**dict(result, **error.fail_json_kwargs()))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


def fail_not_shown(module, result, done, msg):
    """A rescan or resize ran but the device does not show the new size: fail, saying what was done."""
    result.update(changed=bool(done))
    result.pop("diff", None)
    module.fail_json(msg="%s (done before it: %s)" % (msg, ", ".join(done) or "nothing") if done else msg, **result)


def show_new_size(module, adm, view, session_id, plan, result, done):
    """Make the disk show the volume's size: rescan its session, or with multipath rescan each path that
    does not show it yet, then have multipathd resize the map; fail when the size does not show."""
    not_exported = "the target does not export the new size yet (LIO does at once; tgt keeps the size it read when the export was made)"
    for path in plan.paths_to_rescan():
        adm.rescan(path["session"])
        shown = view.size(path["device"])
        if shown != plan.disk_after:
            fail_not_shown(module, result, done, "after a rescan of session %d, path /dev/%s shows %d bytes, not the volume's %d: %s"
                           % (path["session"], path["device"], shown, plan.disk_after, not_exported))
        path["size"] = shown
        done.append("rescan path %s" % path["device"])
    if not plan.rescan:
        return
    if plan.multipath:
        iscsiadm.resize_multipath_map(module, plan.multipath["name"])
        shown = view.size(plan.name)
        if shown != plan.disk_after:
            fail_not_shown(module, result, done, "after multipathd resize map %s, /dev/mapper/%s shows %d bytes, not the volume's %d "
                           "though every path does" % (plan.multipath["name"], plan.multipath["name"], shown, plan.disk_after))
        done.append("resize map")
        return
    adm.rescan(session_id)
    shown = view.size(plan.name)
    if shown != plan.disk_after:
        # The rescan changed nothing the disk shows: the run changed nothing.
        fail_not_shown(module, result, done, "after a rescan of session %d, /dev/%s shows %d bytes, not the volume's %d: %s"
                       % (session_id, plan.name, shown, plan.disk_after, not_exported))
    done.append("rescan")


def grow(module, adm, view, session_id, plan, result):
    done = []
    show_new_size(module, adm, view, session_id, plan, result, done)
    grower = disk_growth.Grower(module)
    try:
        if plan.partition and plan.partition["grow"]:
            grower.grow_partition("/dev/%s" % plan.name, plan.partition, multipath=plan.multipath)
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
