#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: target_export
short_description: Export a volume over iSCSI to exactly one initiator, with CHAP
description:
  - Runs on the controller (the host with the volume group). Exports the logical volume
    O(volume) as the target C(<target_prefix>:<volume>) with one LUN and an ACL for exactly one
    initiator, which logs in with CHAP credentials generated for this attachment. Generated ACLs
    (demo mode) are never used.
  - The CHAP secret is kept in the backend's own saved configuration (LIO
    C(/etc/rtslib-fb-target/saveconfig.json), tgt C(/etc/tgt/conf.d/<volume>.conf), iet
    C(/etc/iet/ietd.conf), each mode 0600), so a re-run reuses it and reports no change.
  - The attachment is recorded in the volume's LV tags (attach status, host, initiator,
    mountpoint, and whether it is a multipath one), where P(novavolume.lvm_iscsi.volume_info#module)
    reads it.
  - With O(mutual_chap=true) the target also proves itself to the initiator (bidirectional
    CHAP) with a second user and secret, returned for the login (RV(mutual_chap_username),
    RV(mutual_chap_password)) and kept in the saved configuration like the first pair.
  - A volume is attached to one initiator at a time. Exporting it to another one fails unless
    O(force=true), which replaces the ACL and drops the old initiator's sessions.
  - The volume can be named as a person named it, with O(reference) (its id, LV name or display
    name). An attach so named is refused as nova refused it, with a message saying what to run, for
    a volume in the V(error) state (as M(novavolume.lvm_iscsi.volume_info) lists it), or, unless
    O(force=true), one recorded as attached to another host than O(host). C(novavol volume-attach)
    uses this, so that an attach is one call on the controller and one on the compute host.
  - The C(iet) backend is tested with recorded command output only, because no distribution
    this collection supports ships the iSCSI Enterprise Target any more.
version_added: 0.1.0
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
  - novavolume.lvm_iscsi.locking
  - novavolume.lvm_iscsi.volume_group
  - novavolume.lvm_iscsi.volumes
  - novavolume.lvm_iscsi.target_backend
  - novavolume.lvm_iscsi.volume_reference
options:
  volume:
    description:
      - Name of the volume (the logical volume in O(vg)).
      - One of O(volume) and O(reference) is required.
    type: str
  state:
    description: V(present) exports the volume to O(initiator_iqn); V(absent) removes the export and the attachment record.
    type: str
    choices: [present, absent]
    default: present
  initiator_iqn:
    description: IQN of the attaching host's initiator, the only one allowed in. Required with O(state=present).
    type: str
  host:
    description: Inventory name of the attaching host, recorded on the volume.
    type: str
  mountpoint:
    description: Device name the user asked for (for example C(/dev/vdb)), recorded on the volume.
    type: str
  portal_address:
    description:
      - Address the LIO portal listens on (tgt and iet listen on every address).
      - Not used when O(portal_addresses) is given.
    type: str
    default: 0.0.0.0
  portal_addresses:
    description:
      - The addresses of every portal the target is reached on, for multipath (one per storage
        network), all on O(portal_port). With lio the target gets exactly these portals (one
        added or removed on an existing export keeps the sessions on the others); tgt and iet
        listen on every address the iscsi_target role gives them.
      - Each one an IP address, no repeats; the wildcard V(0.0.0.0) or V(::) only alone (LIO
        cannot bind one address while the wildcard holds the same port).
      - Empty (the default) for the single portal O(portal_address).
    type: list
    elements: str
    default: []
  portal_port:
    description: TCP port of the LIO portals.
    type: int
    default: 3260
  multipath:
    description:
      - With O(state=present), record the attachment as a multipath one (the host logs in on every
        portal and uses the dm-multipath map over the paths). The record is what lets a later
        online extend (C(playbooks/volume_resize.yml), C(novavol extend)) and
        C(playbooks/troubleshoot.yml) treat the attachment as multipath without being told again.
      - Changing it on an existing attachment changes only the record.
    type: bool
    default: false
  mutual_chap:
    description:
      - With O(state=present), also give the target CHAP credentials of its own, which the
        initiator checks (mutual CHAP). Turning it on or off on an existing export replaces its
        ACL, so the attached host must log in again with the new settings.
    type: bool
    default: false
  force:
    description:
      - With O(state=present), move the export from another initiator to this one.
      - With O(state=absent), remove the export even while an initiator is logged in (after
        O(logout_wait)).
    type: bool
    default: false
  logout_wait:
    description:
      - With O(state=absent), how many seconds to wait for the initiators logged in to the
        target to log out before refusing (or, with O(force=true), before dropping their
        sessions). V(0) decides at once, from the sessions there are.
      - For a detach whose logout runs on the compute host at the same time
        (C(playbooks/volume_detach.yml)); a refused logout there makes this step fail after
        that many seconds, changing nothing.
      - Not waited for in check mode, where no logout happens.
    type: int
    default: 0
requirements:
  - "lio: the Python library rtslib_fb (python3-rtslib-fb) and configfs"
  - "tgt: tgtd running and tgtadm"
  - "iet: ietd running and ietadm"
notes:
  - "Register the result with C(no_log: true): it carries the CHAP secrets in RV(chap_password) and RV(mutual_chap_password)."
  - In check mode a first export returns freshly generated credentials that are not stored.
"""

EXAMPLES = r"""
- name: Export myvolume to compute1
  novavolume.lvm_iscsi.target_export:
    volume: myvolume
    initiator_iqn: iqn.1993-08.org.debian:01:compute1
    host: compute1
    mountpoint: /dev/vdb
  register: export
  no_log: true

- name: Export myvolume to compute1 with mutual CHAP, and log compute1 in with both pairs
  novavolume.lvm_iscsi.target_export:
    volume: myvolume
    initiator_iqn: iqn.1993-08.org.debian:01:compute1
    mutual_chap: true
  register: export
  no_log: true

- name: Log compute1 in, checking the target's credentials too
  novavolume.lvm_iscsi.iscsi_session:
    portal_address: 192.0.2.10
    target_iqn: "{{ export.target_iqn }}"
    lun: "{{ export.lun }}"
    chap_username: "{{ export.chap_username }}"
    chap_password: "{{ export.chap_password }}"
    mutual_chap_username: "{{ export.mutual_chap_username }}"
    mutual_chap_password: "{{ export.mutual_chap_password }}"
  delegate_to: compute1
  no_log: true

- name: Export volume 7 (nova's id) to compute1, refused if it is in error or attached elsewhere
  novavolume.lvm_iscsi.target_export:
    reference: "7"
    initiator_iqn: iqn.1993-08.org.debian:01:compute1
    host: compute1
  register: export
  no_log: true

- name: Export myvolume on both storage networks, recorded as a multipath attachment
  novavolume.lvm_iscsi.target_export:
    volume: myvolume
    initiator_iqn: iqn.1993-08.org.debian:01:compute1
    host: compute1
    portal_addresses: [192.0.2.10, 198.51.100.10]
    multipath: true
  register: export
  no_log: true

- name: Stop exporting it
  novavolume.lvm_iscsi.target_export:
    volume: myvolume
    state: absent
"""

RETURN = r"""
volume:
  description: The volume's LV name (what O(reference) resolved to, when given).
  returned: when the volume was found
  type: str
  sample: volume-00000007
reference_error:
  description: Why O(reference) was not resolved, V(not_found) or V(ambiguous). Only on that failure.
  returned: when O(reference) matches no volume or several
  type: str
  sample: not_found
target_iqn:
  description: IQN of the target.
  returned: always
  type: str
  sample: iqn.2010-10.org.openstack:myvolume
lun:
  description: LUN of the volume in the target (0 with lio and iet; 1 with tgt, whose LUN 0 is its controller).
  returned: always
  type: int
  sample: 0
device:
  description: Block device exported.
  returned: when the volume exists
  type: str
  sample: /dev/nova-volumes/myvolume
chap_username:
  description: CHAP user of this attachment.
  returned: state=present
  type: str
chap_password:
  description: CHAP secret of this attachment. Keep the task C(no_log).
  returned: state=present
  type: str
mutual_chap_username:
  description: The target's CHAP user, which the initiator checks (mutual CHAP).
  returned: state=present and mutual_chap=true
  type: str
mutual_chap_password:
  description: The target's CHAP secret (mutual CHAP). Keep the task C(no_log).
  returned: state=present and mutual_chap=true
  type: str
portals:
  description: The portals (address:port) the export is reached on, from O(portal_addresses) or O(portal_address).
  returned: always
  type: list
  elements: str
  sample: ["192.0.2.10:3260", "198.51.100.10:3260"]
actions:
  description: What was (or in check mode would be) done to the export.
  returned: always
  type: list
  elements: str
  sample: [create target, save configuration]
attachment:
  description:
    - The attachment recorded on the volume after this run; C(multipath) is there (V(true)) only
      for a multipath attachment.
    - When the volume is attached elsewhere and O(force) is not set, the current attachment (the run fails).
  returned: always
  type: dict
  sample: {attach_status: attached, attached_host: compute1, attached_initiator: "iqn.1993-08.org.debian:01:compute1", mountpoint: /dev/vdb, multipath: true}
"""

import ipaddress

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks, lvm, validation, volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_records import resolve_reference, volume_status
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import (
    NameTemplate, UnresolvedReference, refusal)
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import load_backend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import (
    SECRET_MASK,
    BackendError,
    export_view,
    new_chap_credentials,
    portal_text,
)

# logout_wait's bound: a detach waits for a logout, not for an outage to end.
MAX_LOGOUT_WAIT = 600
ATTACHMENT_KEYS = ("attach_status", "attached_host", "attached_initiator", "mountpoint", "multipath")


def validate(params):
    volume = validation.volume_name(params["volume"])
    validation.vg_name(params["vg"])
    target_iqn = validation.iqn("%s:%s" % (params["target_prefix"], volume), "target IQN")
    if params["initiator_iqn"] is not None:
        validation.iqn(params["initiator_iqn"], "initiator IQN")
    if params["mountpoint"] is not None:
        validation.absolute_path(params["mountpoint"], "mountpoint")
    if params["host"] is not None and (not params["host"].strip() or any(c.isspace() for c in params["host"])):
        raise validation.ValidationError("invalid host %r: give the inventory name of the attaching host" % params["host"])
    if not 0 < params["portal_port"] < 65536:
        raise validation.ValidationError("invalid portal_port %r" % params["portal_port"])
    if not 0 <= params["logout_wait"] <= MAX_LOGOUT_WAIT:
        raise validation.ValidationError("invalid logout_wait %r: 0 to %d seconds" % (params["logout_wait"], MAX_LOGOUT_WAIT))
    return target_iqn, portals(params)


def portals(params):
    """The (address, port) pairs of the export: portal_addresses, else portal_address alone."""
    name = "portal_addresses" if params["portal_addresses"] else "portal_address"
    addresses = params["portal_addresses"] or [params["portal_address"]]
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise validation.ValidationError("invalid %s %r: an IP address is required" % (name, address))
    repeated = sorted(set(address for address in addresses if addresses.count(address) > 1))
    if repeated:
        raise validation.ValidationError("invalid portal_addresses: %s given more than once" % ", ".join(repeated))
    wildcards = [address for address in addresses if ipaddress.ip_address(address).is_unspecified]
    if wildcards and len(addresses) > 1:
        raise validation.ValidationError(
            "invalid portal_addresses: the wildcard %s listens on every address already and cannot be "
            "combined with others (LIO cannot bind one address while the wildcard holds the port)" % wildcards[0])
    return [(address, params["portal_port"]) for address in addresses]


def scrub(value, secrets):
    """`value` with every occurrence of each of `secrets` masked (failed commands echo their argv)."""
    if isinstance(value, dict):
        return dict((key, scrub(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [scrub(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SECRET_MASK)
    return value


def fail(module, result, **details):
    """fail_json without the secrets: a failure's output ends up in logs."""
    secrets = [secret for secret in (result.pop("chap_password", None), result.pop("mutual_chap_password", None)) if secret]
    result.pop("diff", None)
    details = dict(result, **details)
    module.fail_json(**scrub(details, secrets))


def set_tags(module, vg, volume, add, delete):
    if add or delete:
        lvm.lvchange_runner(module).run("add_tags del_tags lv", add_tags=add, del_tags=delete, lv="%s/%s" % (vg, volume))


def attachment_of(meta):
    """The attachment keys of a volume's metadata, the multipath record as a boolean."""
    attachment = dict((key, meta[key]) for key in ATTACHMENT_KEYS if meta.get(key) is not None)
    if "multipath" in attachment:
        attachment["multipath"] = attachment["multipath"] == "true"
    return attachment


# The two CHAP pairs of an attachment: the export's users key, the spec's user and secret keys,
# and the prefix of a new user name.
CHAP_PAIRS = (
    ("chap_users", "chap_user", "chap_password", "nv"),
    ("mutual_users", "mutual_user", "mutual_password", "nvt"),
)


def credentials(backend, current, target_iqn, initiator, volume, mutual):
    """The CHAP credentials of this attachment: live, else saved, else new; mutual ones only if asked.

    Reusing them makes a re-run change nothing, and an export put back after drift lets the
    initiator's session recover by itself. The saved configuration is read only when a live pair
    is missing.
    """
    found = dict(chap_user=None, chap_password=None, mutual_user=None, mutual_password=None)
    saved = None
    for users_key, user_key, secret_key, prefix in CHAP_PAIRS if mutual else CHAP_PAIRS[:1]:
        user = ((current or {}).get(users_key) or {}).get(initiator)
        secret = backend.chap_secret(target_iqn, initiator, mutual=user_key == "mutual_user") if user else None
        if not (user and secret):
            if saved is None:
                saved = backend.saved_credentials(target_iqn, initiator) or {}
            user, secret = (saved[user_key], saved[secret_key]) if saved.get(user_key) else new_chap_credentials(volume, prefix=prefix)
        found.update({user_key: user, secret_key: secret})
    return found


def present(module, backend, target_iqn, target_portals, volume_lv, result):
    params = module.params
    vg, volume, initiator = params["vg"], params["volume"], params["initiator_iqn"]
    meta = volume_meta.decode(volume_lv["tags"])
    current = backend.export(target_iqn)

    if params["reference"] is not None:
        status, reason = volume_status(volume_lv, meta, current)
        record = dict(name=volume, status=status, status_reason=reason, attached_to=meta.get("attached_host"))
        refused = refusal(record, params["reference"].strip(), refuse_error=True,
                          attached_to=None if params["force"] else params["host"])
        if refused:
            module.fail_json(msg=refused, attachment=attachment_of(meta), **result)

    others = set((current or {}).get("acls") or [])
    if meta.get("attached_initiator"):
        others.add(meta["attached_initiator"])
    others.discard(initiator)
    if others and not params["force"]:
        module.fail_json(
            msg="volume %s is attached to %s (initiator %s): detach it first, or use force=true to move it "
            "(the other host loses the disk); nothing was changed"
            % (volume, meta.get("attached_host") or "another host", ", ".join(sorted(others))),
            attachment=attachment_of(meta),
            **result
        )

    spec = dict(
        iqn=target_iqn,
        device=volume_lv.get("path") or "/dev/%s/%s" % (vg, volume),
        initiator=initiator,
        portals=target_portals,
        **credentials(backend, current, target_iqn, initiator, volume, params["mutual_chap"])
    )
    actions = backend.plan(spec)
    desired = dict(
        attach_status="attached", attached_host=params["host"], attached_initiator=initiator, mountpoint=params["mountpoint"],
        multipath="true" if params["multipath"] else None,
    )
    add, delete = volume_meta.tag_changes(volume_lv["tags"], desired)
    after_export = dict(iqn=target_iqn, device=spec["device"], lun=backend.data_lun, acls=[initiator],
                        chap_users={initiator: spec["chap_user"]},
                        mutual_users={initiator: spec["mutual_user"]} if spec["mutual_user"] else {},
                        portals=target_portals if backend.per_target_portals else None)
    result.update(
        changed=bool(actions or add or delete),
        actions=actions,
        device=spec["device"],
        chap_username=spec["chap_user"],
        chap_password=spec["chap_password"],
        attachment=attachment_of(desired),
        diff=dict(
            before=dict(export=export_view(current), attachment=attachment_of(meta)),
            after=dict(export=export_view(after_export), attachment=attachment_of(desired)),
        ),
    )
    if spec["mutual_user"]:
        result.update(mutual_chap_username=spec["mutual_user"], mutual_chap_password=spec["mutual_password"])
    if module.check_mode:
        return
    backend.ensure_export(spec)
    try:
        set_tags(module, vg, volume, add, delete)
    except CommandError:
        if current is None:
            backend.remove_export(target_iqn, force=True)  # this run made it: do not leave it behind
        raise


def absent(module, backend, target_iqn, volume_lv, result):
    params = module.params
    current = backend.export(target_iqn)
    meta = volume_meta.decode(volume_lv["tags"]) if volume_lv else {}
    if current is not None and not params["force"]:
        active = backend.sessions(target_iqn)
        if active:
            waited = params["logout_wait"] if not module.check_mode else 0
            module.fail_json(
                msg="volume %s is in use: %s is logged in to %s%s; detach it on the compute host first "
                "(iscsi_session state=absent) or use force=true; nothing was changed"
                % (params["volume"], ", ".join(active), target_iqn, " (still after %ss)" % waited if waited else ""),
                **result
            )
    removing = current is not None or backend.persisted_elsewhere(target_iqn)
    add, delete = volume_meta.tag_changes(volume_lv["tags"], dict.fromkeys(ATTACHMENT_KEYS)) if volume_lv else ([], [])
    result.update(
        changed=bool(removing or add or delete),
        actions=["delete target", "save configuration"] if removing else [],
        attachment={},
        diff=dict(
            before=dict(export=export_view(current), attachment=attachment_of(meta)),
            after=dict(export={}, attachment={}),
        ),
    )
    if volume_lv:
        result["device"] = volume_lv.get("path")
    if module.check_mode:
        return
    backend.remove_export(target_iqn, force=params["force"])
    if volume_lv:
        set_tags(module, params["vg"], params["volume"], add, delete)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volumes", "locking", "target_backend"],
            volume=dict(type="str"),
            reference=dict(type="str"),
            name_template=dict(type="str", default="volume-%08x"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            initiator_iqn=dict(type="str"),
            host=dict(type="str"),
            mountpoint=dict(type="str"),
            portal_address=dict(type="str", default="0.0.0.0"),
            portal_addresses=dict(type="list", elements="str", default=[]),
            portal_port=dict(type="int", default=3260),
            mutual_chap=dict(type="bool", default=False),
            multipath=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            logout_wait=dict(type="int", default=0),
        ),
        required_if=[("state", "present", ("initiator_iqn",))],
        required_one_of=[("volume", "reference")],
        mutually_exclusive=[("volume", "reference")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        template = NameTemplate(params["name_template"])
        if params["reference"] is not None:
            # the volume group is read to resolve the reference, before validate() sees the name
            validation.vg_name(params["vg"])
            params["volume"] = resolve_reference(module, params["vg"], params["reference"], template)
        target_iqn, target_portals = validate(params)
    except validation.ValidationError as error:
        module.fail_json(msg=str(error))
    except UnresolvedReference as error:
        module.fail_json(msg=str(error), reference_error=error.kind)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())

    backend = load_backend(module, params["target_backend"])
    result = dict(changed=False, volume=params["volume"], target_iqn=target_iqn, lun=backend.data_lun, actions=[],
                  portals=[portal_text(*portal) for portal in target_portals])
    if params["state"] == "absent" and params["logout_wait"] and not module.check_mode:
        # Outside the locks: a logout refused on the compute host must not hold up other exports
        # for the whole wait. The sessions are checked again under the locks.
        try:
            backend.sessions_after(target_iqn, params["logout_wait"])
        except CommandError as error:
            fail(module, result, **error.fail_json_kwargs())
        except BackendError as error:
            fail(module, result, msg=str(error))
    # Everything is read under the volume's lock: a second attach of the same volume, at the same
    # time, reads the first one's attachment and is refused instead of taking the volume over.
    try:
        with locks.held([locks.volume_lock(params["vg"], params["volume"]), locks.TARGET_CONFIG],
                        "target_export of %s (state %s)" % (params["volume"], params["state"]),
                        wait=params["lock_timeout"]):
            volume_lv = None
            for lv in lvm.read_lvs(module, params["vg"]):
                if lv["name"] == params["volume"] and not lv["is_snapshot"]:
                    volume_lv = lv
            if params["state"] == "present":
                if volume_lv is None:
                    module.fail_json(
                        msg="volume %s does not exist in volume group %s; nothing was exported" % (params["volume"], params["vg"]),
                        **result
                    )
                present(module, backend, target_iqn, target_portals, volume_lv, result)
            else:
                absent(module, backend, target_iqn, volume_lv, result)
    except locks.LockTimeout as error:
        fail(module, result, msg=str(error))
    except CommandError as error:
        fail(module, result, **error.fail_json_kwargs())
    except BackendError as error:
        fail(module, result, msg=str(error))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
