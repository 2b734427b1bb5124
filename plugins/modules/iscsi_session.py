#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: iscsi_session
short_description: Log a compute host in to (or safely out of) one iSCSI target
description:
  - Runs on the compute host, with open-iscsi's C(iscsiadm).
  - V(present) creates the node record for exactly that portal with C(node.startup=automatic)
    (the session comes back after a reboot) and CHAP, logs in, waits for udev, reads the disk's
    first block back (uncached) and returns the stable C(/dev/disk/by-path/...) link and the
    kernel name (C(sdX)). A login that fails, or a disk that does not appear or cannot be read,
    leaves no session and no new record behind.
  - Whether the portal offers the target to this initiator is asked with a SendTargets
    discovery that touches no node record (C(-o nonpersistent)), before an existing record is
    changed, in check mode, and after a failed login to say why it failed.
  - When the session already exists and O(rescan=true), the session is rescanned so that a
    grown LUN shows its new size.
  - V(absent) detaches safely. It refuses while the disk or one of its partitions is mounted
    (C(/proc/mounts)) or held (C(/sys/block/*/holders), for example by device-mapper) unless
    O(force=true); then it flushes the buffers, deletes the SCSI device, logs out and deletes
    the node record, so that neither a device nor a session is left behind.
  - V(absent) while the session is down (not logged in, as when its connection is lost and open-iscsi
    reconnects it, or the target refuses the new login) is refused before anything changes unless
    O(force=true). The kernel holds the disk's I/O until open-iscsi's C(replacement_timeout) (120 s by
    default) runs out, so a flush or a delete of the disk would wait that long. With O(force=true)
    the session is logged out first, stopped after 20 seconds (C(timeout)). Its end fails the I/O
    still queued for the disk (data not yet written is lost, and a warning says so) and removes
    the disk with it; then the node record is deleted.
  - With O(extra_portal_addresses) (multipath), V(present) logs in on O(portal_address) and on each
    of them (a session already there is kept) and then waits up to O(timeout) seconds for the
    dm-multipath map that multipathd makes over the sessions' disks (RV(multipath)). RV(device),
    RV(kernel_name) and RV(size) are then the map's. When no map appears, or a portal fails, this
    run's logins on every portal are undone.
  - With O(extra_portal_addresses) and V(absent), in os-brick's order, the map and every path disk
    are checked first (refused while mounted or held unless O(force=true)). A partition map on
    the map (kpartx's C(<map>-part1), which udev makes at a boot) does not count as holding it
    unless it is mounted or held itself; it goes with the map, as C(multipath -f) removes it.
    Then the map is flushed and removed (C(blockdev --flushbufs), C(multipath -f)), and each
    path disk is dropped from multipathd, flushed and deleted before its portal is logged out and
    its node record deleted.
  - A multipath V(absent) while a path is down (its session not logged in, open-iscsi
    reconnecting it) is refused before anything changes unless O(force=true), as the dead path's
    logout could hang, and so could the flush of a map that queues I/O once no path is left.
    With O(force=true) the map's queueing is disabled first (C(multipathd disablequeueing map)),
    then the map and every path go as above, except that the dead path is logged out first
    (bounded, as for a single disk, its disk going with the session); nothing is left on the host,
    no map, no session, no node record.
version_added: 0.1.0
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
  - novavolume.lvm_iscsi.session_target
  - novavolume.lvm_iscsi.multipath_portals
options:
  lun:
    description: LUN of the volume in the target (RV(novavolume.lvm_iscsi.target_export#module:lun)).
    type: int
    default: 0
  chap_username:
    description: CHAP user for the login. Without it the node record uses no authentication.
    type: str
  chap_password:
    description: CHAP secret for the login.
    type: str
  mutual_chap_username:
    description:
      - The target's CHAP user for mutual CHAP (RV(novavolume.lvm_iscsi.target_export#module:mutual_chap_username)).
        The initiator logs in only to a target that proves it knows O(mutual_chap_password).
      - Needs O(chap_username). Without it, mutual CHAP settings left in an existing node record are cleared.
    type: str
  mutual_chap_password:
    description: The target's CHAP secret (mutual CHAP).
    type: str
  discovery_chap_username:
    description:
      - CHAP user of the SendTargets discoveries this module makes, for a portal that asks
        discoveries for credentials (P(novavolume.lvm_iscsi.target_discovery_auth#module)).
      - open-iscsi takes them only from a discoverydb record of the portal; one is made for the
        discovery and deleted after it (an existing one gets them and is kept).
    type: str
  discovery_chap_password:
    description: CHAP secret of those discoveries.
    type: str
  state:
    description: V(present) logs in; V(absent) logs out and forgets the target.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), detach even while the disk is mounted or held.
      - Also while the session is down, or with O(extra_portal_addresses) a path is down (see the description).
    type: bool
    default: false
  rescan:
    description: With O(state=present) and an existing session, rescan it so a grown LUN shows its new size.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for udev's by-path link after the login.
      - The first read of the new disk may fail for up to 5 seconds (or O(timeout), if shorter).
    type: int
    default: 30
requirements:
  - open-iscsi (iscsiadm, iscsid) and udev
  - coreutils (timeout), for the bounded logout of a path that is down
"""

EXAMPLES = r"""
- name: Log in to myvolume's target
  novavolume.lvm_iscsi.iscsi_session:
    portal_address: 192.0.2.10
    target_iqn: iqn.2010-10.org.openstack:myvolume
    chap_username: "{{ export.chap_username }}"
    chap_password: "{{ export.chap_password }}"
  register: session

- name: Log in to pathvolume's target on both storage networks (dm-multipath)
  novavolume.lvm_iscsi.iscsi_session:
    portal_address: 192.0.2.10
    extra_portal_addresses: [198.51.100.10]
    target_iqn: iqn.2010-10.org.openstack:pathvolume
    chap_username: "{{ export.chap_username }}"
    chap_password: "{{ export.chap_password }}"
  register: session  # session.multipath.device: /dev/mapper/WWID

- name: Log out of it (refused while mounted)
  novavolume.lvm_iscsi.iscsi_session:
    portal_address: 192.0.2.10
    target_iqn: iqn.2010-10.org.openstack:myvolume
    state: absent
"""

RETURN = r"""
device:
  description: Stable by-path link of the LUN; with O(extra_portal_addresses), the multipath map's C(/dev/disk/by-id/dm-uuid-mpath-WWID) link.
  returned: state=present, not in check mode on a fresh host
  type: str
  sample: /dev/disk/by-path/ip-192.0.2.10:3260-iscsi-iqn.2010-10.org.openstack:myvolume-lun-0
kernel_name:
  description: Kernel name of the disk (C(dm-N) for a multipath map).
  returned: state=present, not in check mode on a fresh host
  type: str
  sample: sda
size:
  description: Size of the disk in bytes.
  returned: when the disk exists
  type: int
readable:
  description: The disk answered an uncached read of its first block after this run's login.
  returned: state=present, when this run logged in
  type: bool
  sample: true
session_id:
  description: open-iscsi session id.
  returned: when a session exists
  type: int
multipath:
  description:
    - The dm-multipath map over the sessions' disks, with O(extra_portal_addresses).
    - C(device) is the map's /dev/mapper name (its WWID), C(by_id) udev's link to it (also RV(device)), C(paths)
      each portal's session, disk and the SCSI layer's state of the disk.
  returned: with O(extra_portal_addresses), state=present, once the disks exist
  type: dict
  sample: {device: /dev/mapper/36001405abcdef, by_id: /dev/disk/by-id/dm-uuid-mpath-36001405abcdef,
           wwid: 36001405abcdef, paths: [{portal: "10.77.0.10:3260", session: 1, device: sda, state: running},
                                         {portal: "10.78.0.10:3260", session: 2, device: sdb, state: running}]}
actions:
  description: What was (or in check mode would be) done; with O(extra_portal_addresses), each prefixed with its portal.
  returned: always
  type: list
  elements: str
  sample: [create node record, set node.startup, login]
"""


import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError


class SessionFailed(Exception):
    """A step failed with a message for the person (and fields such as rc): the caller adds what
    was done so far, and a multipath run first undoes its logins on the other portals."""

    def __init__(self, msg, **fields):
        super(SessionFailed, self).__init__(msg)
        self.fields = dict(fields, msg=msg)

    def fail_json_kwargs(self):
        return dict(self.fields)


# Seconds a freshly logged-in disk may answer its first read with errors before the login counts
# as failed.
READ_TIMEOUT = 5


def validate(params):
    validation.session_target(params)
    if params["lun"] < 0 or params["timeout"] < 0:
        raise validation.ValidationError("lun and timeout must not be negative")
    for kind in ("", "mutual_", "discovery_"):
        user, secret = kind + "chap_username", kind + "chap_password"
        if (params[user] is None) != (params[secret] is None):
            raise validation.ValidationError("give both %s and %s, or neither" % (user, secret))
    validation.multipath_portals(params)
    if params["mutual_chap_username"] is not None and params["chap_username"] is None:
        raise validation.ValidationError("mutual CHAP needs chap_username and chap_password too: the target checks the initiator first")


MUTUAL_SETTINGS = ("node.session.auth.username_in", "node.session.auth.password_in")


def desired_settings(params, current):
    """The node record's settings for this login; mutual CHAP ones are cleared only where set."""
    settings = {"node.startup": "automatic"}
    if params["chap_username"] is None:
        settings["node.session.auth.authmethod"] = "None"
    else:
        settings["node.session.auth.authmethod"] = "CHAP"
        settings["node.session.auth.username"] = params["chap_username"]
        settings["node.session.auth.password"] = params["chap_password"]
    if params["mutual_chap_username"] is not None:
        settings.update(zip(MUTUAL_SETTINGS, (params["mutual_chap_username"], params["mutual_chap_password"])))
    else:
        settings.update((name, "") for name in MUTUAL_SETTINGS if current.get(name))
    return settings


def masked(settings):
    return dict(
        (key, iscsiadm.MASK if key.endswith((".password", ".password_in")) and value else value) for key, value in settings.items()
    )


def find_session(sessions, target, portal):
    for session in sessions:
        if session["target"] == target and session["portal"] == portal:
            return session
    return None


def not_offered(adm, target, portal, credentials):
    """Why a login to `target` cannot work, from a SendTargets discovery that changes no node
    record: a message when the portal does not offer the target to this initiator, else None."""
    try:
        offered = [rec["target"] for rec in adm.discover(portal, credentials)]
    except CommandError as error:
        if error.rc != iscsiadm.RC_AUTH_FAILED:
            raise
        if credentials:
            return ("portal %s refused the discovery's CHAP credentials (user %s): check discovery_chap_username "
                    "and discovery_chap_password against the controller's" % (portal, credentials[0]))
        return ("portal %s asks discoveries for CHAP credentials: give discovery_chap_username and "
                "discovery_chap_password (in the roles: iscsi_target_discovery_chap_username and _password)" % portal)
    if target in offered:
        return None
    return ("portal %s does not offer target %s to this initiator (offered: %s): is the export present and "
            "this host's InitiatorName in its ACL?" % (portal, target, ", ".join(offered) or "none"))


def present(module, adm, view, result, address, sessions, records):
    """Log in on one portal; `sessions` and `records` are iscsiadm's lists, read once per run."""
    params = module.params
    target, portal = params["target_iqn"], iscsiadm.portal_of(address, params["portal_port"])
    link = iscsiadm.by_path_link(address, params["portal_port"], target, params["lun"])
    discovery = (params["discovery_chap_username"], params["discovery_chap_password"]) if params["discovery_chap_username"] else None
    session = find_session(sessions, target, portal)
    has_record = any(rec["target"] == target and rec["portal"] == portal for rec in records)
    actions = []

    # Before changing a record that is already there (or instead of a login, in check mode),
    # make sure the target is offered. A fresh record is made, used and, if the login fails,
    # deleted again; the discovery then only runs to explain the failure.
    if session is None and (has_record or module.check_mode):
        problem = not_offered(adm, target, portal, discovery)
        if problem:
            raise SessionFailed(problem + "; nothing was changed")
    if not has_record:
        actions.append("create node record")
    current = adm.record_settings(target, portal) if has_record else {}
    wanted = desired_settings(params, current)
    updates = dict((name, wanted[name]) for name in sorted(wanted) if current.get(name) != wanted[name])
    actions.extend("set %s" % name for name in sorted(updates))
    if session is None:
        actions.append("login")
    result["diff"] = dict(
        before=dict(session=session is not None, record=masked(dict((name, current.get(name)) for name in wanted)) if has_record else {}),
        after=dict(session=True, record=masked(wanted)),
    )
    result.update(changed=bool(actions), actions=actions, device=link)

    if module.check_mode:
        name = view.resolve(link) if session is not None else None
        if name:
            result.update(kernel_name=name, size=view.size(name), session_id=session["sid"])
        return

    if not has_record:
        adm.new_record(target, portal)
    if updates:
        adm.update(target, portal, updates)
    if session is None:
        rc, out, err = adm.login(target, portal)
        if rc not in (0, iscsiadm.RC_SESSION_EXISTS):
            problem = None
            if not has_record:
                adm.delete_record(target, portal)  # made by this run; leave nothing behind
                try:
                    problem = not_offered(adm, target, portal, discovery)
                except CommandError:
                    pass  # the login's own message says more than a failed discovery
            if problem:
                raise SessionFailed(problem + "; nothing was changed", rc=rc)
            reason = "CHAP authentication failed or this initiator is not allowed" if rc == iscsiadm.RC_AUTH_FAILED else "login failed"
            lines = (err or out or "").strip().splitlines()
            raise SessionFailed(
                "login to %s at %s failed (rc=%s): %s: %s" % (target, portal, rc, reason, lines[-1] if lines else "no output"),
                rc=rc
            )

    def undo_login():
        if "login" in actions:
            adm.logout(target, portal)
            if not has_record:
                adm.delete_record(target, portal)

    name = view.wait_for(link, params["timeout"])
    if name is None:
        undo_login()
        raise SessionFailed(
            "logged in to %s, but %s did not appear within %ss (no LUN %s for this initiator?); logged out again"
            % (target, link, params["timeout"], params["lun"])
        )
    if "login" in actions:
        # The attachment is done when the disk answers, not when its link exists.
        problem = view.read_error(name, min(params["timeout"], READ_TIMEOUT))
        if problem:
            undo_login()
            raise SessionFailed(
                "logged in to %s, but /dev/%s could not be read: %s; logged out again" % (target, name, problem)
            )
        result["readable"] = True
    if "login" not in actions and params["rescan"] and session is not None:
        before = view.size(name)
        adm.rescan(session["sid"])
        if view.size(name) != before:
            actions.append("rescan (size %d -> %d)" % (before, view.size(name)))
            result["changed"] = True
    # After this run's login the disk's place in sysfs names its session: no second listing.
    result.update(kernel_name=name, size=view.size(name), session_id=session["sid"] if session else view.session_id(name))


def path_state(module, view, address, sessions, records):
    """(portal, session or None, has a node record, kernel name of the disk or None) of one portal."""
    params = module.params
    portal = iscsiadm.portal_of(address, params["portal_port"])
    session = find_session(sessions, params["target_iqn"], portal)
    has_record = any(rec["target"] == params["target_iqn"] and rec["portal"] == portal for rec in records)
    link = iscsiadm.by_path_link(address, params["portal_port"], params["target_iqn"], params["lun"])
    return portal, session, has_record, view.resolve(link) if session is not None else None


def refuse_in_use(module, view, name, label=None, ignore=()):
    """Stop before any change while /dev/NAME (`label` in the message) is mounted or held
    (holders in `ignore` aside), unless force."""
    uses = iscsiadm.usage(view, name, ignore)
    if uses and not module.params["force"]:
        raise SessionFailed(
            "%s (%s) is in use: %s; unmount or release it first, or use force=true; nothing was changed"
            % (label or "/dev/%s" % name, module.params["target_iqn"], "; ".join(uses))
        )


# Seconds a logout of a path that is down may take before the detach gives up on it (iscsid's own
# logout timeout is 15 s).
LOGOUT_BOUND = 20


def absent(module, adm, view, result, state, down=False):
    """Log out of one portal whose path_state() is `state`, its disk checked by refuse_in_use()
    already. A session that is `down` (its callers refuse that unless force) is logged out first,
    bounded (LOGOUT_BOUND): while open-iscsi reconnects it the kernel holds its disk's I/O until
    replacement_timeout (120 s by default), and a flush or a delete of the disk waits that long,
    whereas the end of the session fails that I/O at once and takes the disk with it."""
    params = module.params
    target = params["target_iqn"]
    portal, session, has_record, name = state
    if session and down:
        actions = ["logout of the down session" + (", /dev/%s with it" % name if name else "")]
    else:
        actions = (["flush and delete /dev/%s" % name] if name else []) + (["logout"] if session else [])
    actions += ["delete node record"] if has_record else []
    result.update(
        changed=bool(actions),
        actions=actions,
        diff=dict(before=dict(session=session is not None, record=has_record, device=name), after=dict(session=False, record=False, device=None)),
    )
    if module.check_mode:
        return
    if session and down:
        problem = adm.logout_bounded(target, portal, LOGOUT_BOUND)
        if problem:
            raise SessionFailed("logout of %s at %s (session %d, down): %s; %s left: detach again once iscsid answers"
                                % (target, portal, session["sid"], problem,
                                   "the session and /dev/%s are" % name if name else "the session is"))
    else:
        if name:
            # With force the disk goes whatever happens: a target that is gone fails the flush
            # with an I/O error, and that must not keep the session alive.
            rc, _out, err = iscsiadm.blockdev_runner(module).run(
                "flushbufs device", check=not params["force"], flushbufs=True, device="/dev/%s" % name)
            if rc != 0:
                module.warn("the buffers of /dev/%s could not be flushed (%s): data not yet written to %s is lost"
                            % (name, err.strip() or "rc=%d" % rc, target))
            view.delete_device(name)
        if session:
            adm.logout(target, portal)
    if has_record:
        adm.delete_record(target, portal)


def absent_single(module, adm, view, result, address):
    """Detach the one portal at `address`: refused while its disk is mounted or held, or while its
    session is down, unless force (absent() says why a down session is logged out first)."""
    params = module.params
    state = path_state(module, view, address, adm.sessions(), adm.records())
    if state[3]:
        refuse_in_use(module, view, state[3])
    down = down_paths(view, [(address, state)])
    if down and not params["force"]:
        raise SessionFailed(
            "the session of %s at %s is down (%s): the kernel holds its disk's I/O until open-iscsi's "
            "replacement_timeout runs out, so a flush would wait that long, and the logout could hang on the dead "
            "network; bring the path back (iscsi_probe or troubleshoot.yml say why it is down), or detach with "
            "force=true, which logs out at once (bounded), failing the I/O still queued for the disk; nothing was changed"
            % (params["target_iqn"], state[0], down[state[0]]))
    absent(module, adm, view, result, state, down=bool(down))
    if down and state[3] and not module.check_mode:
        module.warn("the session of %s at %s was down (%s): its logout failed any I/O still queued for /dev/%s; "
                    "data not yet written to the target is lost" % (params["target_iqn"], state[0], down[state[0]], state[3]))


def wait_for_map(view, names, timeout, interval=0.1):
    """The multipath map over the disks `names` once multipathd has made it, or None after `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        found = iscsiadm.multipath_map(view, names)
        if found or time.time() >= deadline:
            return found
        time.sleep(interval)


def merge_paths(result, paths, port):
    """The result of several portals' runs: the first portal's device fields, every action
    prefixed with its portal, and the diff per portal."""
    if paths:
        result.update((key, value) for key, value in paths[0][1].items() if key not in ("changed", "actions", "diff"))
    result["changed"] = any(one["changed"] for _address, one in paths)
    result["actions"] = ["%s: %s" % (iscsiadm.portal_of(address, port), action) for address, one in paths for action in one["actions"]]
    result["diff"] = dict(
        (side, dict((iscsiadm.portal_of(address, port), one["diff"][side]) for address, one in paths if "diff" in one))
        for side in ("before", "after")
    )


def undo_logins(module, adm, paths):
    """Log out of the sessions this run logged in to and delete the node records it made; the
    portals undone. Their disks are fresh and unused: the logout takes them away."""
    undone = []
    for address, one in paths:
        if "login" in one["actions"]:
            portal = iscsiadm.portal_of(address, module.params["portal_port"])
            adm.logout(module.params["target_iqn"], portal)
            if "create node record" in one["actions"]:
                adm.delete_record(module.params["target_iqn"], portal)
            undone.append(portal)
    return undone


def present_multipath(module, adm, view, result, addresses):
    """Log in on every portal (a session already there is kept), then wait for the dm-multipath
    map that multipathd makes over the sessions' disks. A portal that fails undoes this run's
    logins on the others: no half-made multipath attachment is left behind."""
    params = module.params
    sessions, records = adm.sessions(), adm.records()
    paths = []
    for address in addresses:
        one = dict(changed=False, actions=[])
        try:
            present(module, adm, view, one, address, sessions, records)
        except (SessionFailed, CommandError) as error:
            failure = error.fail_json_kwargs()
            undone = undo_logins(module, adm, paths)
            merge_paths(result, paths + [(address, one)], params["portal_port"])
            if undone:
                failure["msg"] += "; this run's logins on %s were undone" % ", ".join(undone)
            raise SessionFailed(**failure)
        paths.append((address, one))
    merge_paths(result, paths, params["portal_port"])
    names = [one.get("kernel_name") for _address, one in paths]
    if None in names:
        return  # check mode before the first login: there are no disks to look at yet
    found = wait_for_map(view, names, 0 if module.check_mode else params["timeout"])
    if found is None:
        if module.check_mode:
            result["actions"].append("wait for the multipath map")
            result["changed"] = True
            return
        undone = undo_logins(module, adm, paths)
        raise SessionFailed(
            "logged in on %d portals, but no dm-multipath map held the disks %s within %ss: is multipathd running with "
            "find_multipaths (the iscsi_initiator role's iscsi_initiator_multipath)?; %s"
            % (len(addresses), ", ".join(names), params["timeout"],
               "this run's logins on %s were undone" % ", ".join(undone) if undone else "the sessions were there before this run and are kept")
        )
    # The device to use is the map: a path disk written directly would bypass the failover.
    result.update(device="/dev/disk/by-id/dm-uuid-mpath-%s" % found["wwid"], kernel_name=found["dm"], size=view.size(found["dm"]))
    result["multipath"] = dict(
        device="/dev/mapper/%s" % found["name"],
        by_id=result["device"],
        wwid=found["wwid"],
        paths=[
            dict(portal=iscsiadm.portal_of(address, params["portal_port"]), session=one["session_id"],
                 device=one["kernel_name"], state=view.device_state(one["kernel_name"]))
            for address, one in paths
        ],
    )


def down_paths(view, states):
    """{portal: session state} of the paths of `states` whose session is there but not logged in
    (its connection is down and open-iscsi is reconnecting it)."""
    down = {}
    for _address, (portal, session, _has_record, _name) in states:
        state = view.session_state(session["sid"]) if session else None
        if state not in (None, "LOGGED_IN"):
            down[portal] = "session %d %s" % (session["sid"], state)
    return down


def absent_multipath(module, adm, view, result, addresses):
    """Detach in os-brick's order: check everything first (the map and each path disk, refused
    while mounted or held unless force; a path that is down refused unless force), then flush the
    map's buffers and remove the map (multipath -f), then for each path have multipathd forget the
    disk, flush and delete it, log out and delete the node record. A map removed before its paths
    cannot come back on them; a path deleted under a live map would only fail over.

    With force and a path down, the map's queueing is disabled first: a map that queues I/O while
    no path is left (no_path_retry queue) would hang its flush for ever when the last path goes
    too; and the dead path is logged out first, bounded (absent() says why)."""
    params = module.params
    sessions, records = adm.sessions(), adm.records()
    states = [(address, path_state(module, view, address, sessions, records)) for address in addresses]
    names = [state[3] for _address, state in states if state[3]]
    found = iscsiadm.multipath_map(view, names) if names else None
    # Partition maps nobody uses (a boot's udev makes them for a partition table on the map) go
    # with the map, as multipath -f removes them; one mounted or held is refused as the map is.
    partitions = iscsiadm.partition_maps(view, found) if found else []
    for dm, name in partitions:
        refuse_in_use(module, view, dm, label="the partition map %s" % name)
    if found:
        refuse_in_use(module, view, found["dm"], label="the multipath map %s" % found["name"],
                      ignore=[dm for dm, _name in partitions])
    for _address, state in states:
        if state[3]:
            refuse_in_use(module, view, state[3], ignore=(found["dm"],) if found else ())
    down = down_paths(view, states)
    if down and not params["force"]:
        raise SessionFailed(
            "a path of %s is down (%s): its logout could hang on the dead network, and a map that queues I/O "
            "hangs its flush once no path is left; bring the path back (iscsi_probe or troubleshoot.yml say why "
            "it is down), or detach with force=true, which disables the map's queueing, removes it and logs out "
            "of every path, the dead ones bounded; nothing was changed"
            % (params["target_iqn"], "; ".join("%s: %s" % item for item in sorted(down.items()))))
    if found and down and not module.check_mode:
        iscsiadm.disable_queueing(module, found["name"])
    if found and not module.check_mode:
        device = "/dev/mapper/%s" % found["name"]
        # As for a single disk: with force the map goes even when the flush fails (target gone).
        rc, _out, err = iscsiadm.blockdev_runner(module).run("flushbufs device", check=not params["force"], flushbufs=True, device=device)
        if rc != 0:
            module.warn("the buffers of %s could not be flushed (%s): data not yet written to %s is lost"
                        % (device, err.strip() or "rc=%d" % rc, params["target_iqn"]))
        iscsiadm.multipath_runner(module).run("flush", flush=found["name"])
    paths = []
    for address, state in states:
        one = dict(changed=False, actions=[])
        if found and state[3] and not module.check_mode:
            # multipathd would drop the orphaned disk on the delete's uevent, but not always in
            # time when several arrive at once (os-brick's note): it is told first.
            iscsiadm.multipathd_runner(module).run("del_path device", check=False, del_path=True, device=state[3])
        absent(module, adm, view, one, state, down=state[0] in down)
        paths.append((address, one))
    merge_paths(result, paths, params["portal_port"])
    if found:
        result["actions"][:0] = (
            (["disable queueing of multipath map %s" % found["name"]] if down else [])
            + ["remove partition map %s" % name for _dm, name in partitions]
            + ["flush and remove multipath map %s" % found["name"]])
        result["changed"] = True


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["session_target", "multipath_portals"],
            lun=dict(type="int", default=0),
            chap_username=dict(type="str"),
            chap_password=dict(type="str", no_log=True),
            mutual_chap_username=dict(type="str"),
            mutual_chap_password=dict(type="str", no_log=True),
            discovery_chap_username=dict(type="str"),
            discovery_chap_password=dict(type="str", no_log=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            force=dict(type="bool", default=False),
            rescan=dict(type="bool", default=True),
            timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    try:
        validate(module.params)
    except validation.ValidationError as error:
        module.fail_json(msg=str(error))

    result = dict(changed=False, target=module.params["target_iqn"], actions=[])
    adm, view = iscsiadm.Iscsiadm(module), iscsiadm.HostView()
    addresses = [module.params["portal_address"]] + module.params["extra_portal_addresses"]
    try:
        if len(addresses) > 1:
            (present_multipath if module.params["state"] == "present" else absent_multipath)(module, adm, view, result, addresses)
        elif module.params["state"] == "present":
            present(module, adm, view, result, addresses[0], adm.sessions(), adm.records())
        else:
            absent_single(module, adm, view, result, addresses[0])
    except SessionFailed as error:
        module.fail_json(**dict(result, **error.fail_json_kwargs()))
    except CommandError as error:
        result.pop("diff", None)
        module.fail_json(**dict(result, **error.fail_json_kwargs()))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
