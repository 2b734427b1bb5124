#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: iscsi_probe
short_description: Diagnose why a compute host cannot reach a volume's iSCSI target
description:
  - Runs on a compute host and checks, in order, that the portal's host name resolves, that a
    TCP connection to the portal's port is accepted (telling refused, no route and timed out
    apart), that sendtargets discovery works, that the expected target is offered and, given
    the target's ACL from the controller, that this host's initiator is in it.
  - Each check returns its status, what was seen and the fix in plain words. Once a check
    fails, the later ones are reported as C(skipped).
  - Changes nothing on the host. Discovery runs with C(-o nonpersistent), so neither the node
    records nor the discovery records of open-iscsi are created or updated.
  - A failing check does not fail the module; read RV(status), RV(ok) and RV(diagnosis).
  - A multipath attachment (O(extra_portal_addresses) given, or a disk of the target on this host
    being a path of a dm-multipath map) is diagnosed path by path (RV(paths)), each portal's
    session and its state, its SCSI disk, and how multipathd sees the path; a path that is down
    is named with that evidence, a TCP connection to its portal (a dead storage network or a
    target refusing the session) and the fix. RV(multipath) is the map with its queueing policy.
    The reachability checks above run on O(portal_address) only.
version_added: 0.1.0
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.multipath_portals
options:
  portal_address:
    description:
      - Host name or address of the controller's iSCSI portal.
    type: str
    required: true
    aliases: [portal]
  portal_port:
    description:
      - TCP port of the portal.
    type: int
    default: 3260
    aliases: [port]
  target_iqn:
    description:
      - The target the host should be offered, for example C(iqn.2010-10.org.openstack:myvolume).
    type: str
    required: true
  initiator_iqn:
    description:
      - This host's initiator IQN. By default it is read from C(/etc/iscsi/initiatorname.iscsi).
    type: str
  acl:
    description:
      - The initiator IQNs in the target's ACL, as the controller reports them (for example the
        C(acls) of the export). When omitted, the ACL check is C(skipped).
    type: list
    elements: str
  timeout:
    description:
      - Seconds to wait for a TCP connection (to the portal, and to the portal of each path that is down)
        before calling it timed out.
    type: float
    default: 5
requirements:
  - open-iscsi (iscsiadm) on the host
attributes:
  check_mode:
    support: full
    details: The module never changes anything, so check mode runs the same checks.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
"""

EXAMPLES = r"""
- name: Probe the portal for myvolume's target
  novavolume.lvm_iscsi.iscsi_probe:
    portal_address: controller
    target_iqn: iqn.2010-10.org.openstack:myvolume
  register: probe

- name: Probe with the ACL gathered on the controller
  novavolume.lvm_iscsi.iscsi_probe:
    portal_address: 10.77.0.10
    target_iqn: iqn.2010-10.org.openstack:myvolume
    acl: "{{ hostvars[groups['controller'][0]].exports['iqn.2010-10.org.openstack:myvolume'].acls }}"
    timeout: 3
  register: probe

- name: Probe both paths of a volume attached over dm-multipath
  novavolume.lvm_iscsi.iscsi_probe:
    portal_address: 10.77.0.10
    extra_portal_addresses: [10.78.0.10]
    target_iqn: iqn.2010-10.org.openstack:pathvolume
    timeout: 2
  register: probe  # probe.status: degraded while one path is down, probe.paths names it

- name: Show the diagnosis
  ansible.builtin.debug:
    msg: "{{ probe.diagnosis }}"
"""

RETURN = r"""
status:
  description:
    - V(healthy) (every check passed, and with multipath every path is up), V(degraded) (multipath
      only, a path is down or a check failed but a path still works) or V(down).
  returned: always
  type: str
  sample: degraded
ok:
  description: Whether every check that ran passed and, with multipath, every path is up (RV(status) is V(healthy)).
  returned: always
  type: bool
  sample: false
diagnosis:
  description:
    - One line naming the first failing check and what it saw, or saying that all is well; with
      multipath, the paths that are down, each with its evidence.
  returned: always
  type: str
  sample: "connect check failed: TCP connection to 10.77.0.10:3260 timed out (ETIMEDOUT) after 5.0s"
checks:
  description: The checks in the order they ran.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(resolve), C(connect), C(discovery), C(target) or C(acl).
      type: str
      sample: connect
    status:
      description: C(pass), C(fail) or C(skipped) (not run because an earlier check failed, or no ACL given).
      type: str
      sample: fail
    evidence:
      description: What the check saw.
      type: str
      sample: TCP connection to 10.77.0.10:3260 refused (ECONNREFUSED)
    fix:
      description: What to do about a failure, in plain words; empty when the check passed.
      type: str
      sample: "nothing listens on 10.77.0.10:3260, or a firewall rejects it: start the target service on the controller ..."
initiator_iqn:
  description: The initiator IQN the checks used (given, or read from the host); null when unknown.
  returned: always
  type: str
  sample: iqn.2004-10.com.ubuntu:01:compute1
target_iqn:
  description: The target that was probed.
  returned: always
  type: str
  sample: iqn.2010-10.org.openstack:myvolume
paths:
  description:
    - The paths of a multipath attachment, one per portal (O(portal_address), the
      O(extra_portal_addresses), then any other portal this host has a session with for the target);
      null for a single-path one.
  returned: always
  type: list
  elements: dict
  contains:
    portal:
      description: The portal, C(ADDRESS:PORT).
      type: str
      sample: "10.78.0.10:3260"
    session:
      description: open-iscsi's session id on that portal; null without a session.
      type: int
      sample: 2
    session_state:
      description:
        - The iSCSI layer's state of the session, C(LOGGED_IN), C(FAILED) while its connection is down, then C(FREE)
          once open-iscsi's replacement_timeout has run out (open-iscsi goes on trying to log it in again).
      type: str
      sample: FREE
    device:
      description: The session's SCSI disk (C(sdX)); null without one.
      type: str
      sample: sdb
    device_state:
      description: The SCSI layer's state of the disk (C(running), C(blocked), C(transport-offline)).
      type: str
      sample: transport-offline
    map:
      description: The multipath map the disk is a path of; null when it is no path of RV(multipath).
      type: str
      sample: 36001405e0a3b0c6b6a1e4d2a8f9c7d10
    multipath_state:
      description:
        - multipathd's device-mapper state and checker state of the path (C(active ready), C(failed faulty));
          null when multipathd does not list it.
      type: str
      sample: failed faulty
    status:
      description: V(up) (logged in, a path of the map, and active for multipathd) or V(down).
      type: str
      sample: down
    evidence:
      description: What the path showed; for a path that is down with a session, also the TCP connection to its portal.
      type: str
      sample: >-
        session 2 FREE; /dev/sdb SCSI state transport-offline; multipathd: sdb failed faulty;
        TCP connection to 10.78.0.10:3260 timed out (ETIMEDOUT) after 2.0s
    fix:
      description: What to do about a path that is down; empty for one that is up.
      type: str
      sample: "the storage network between this host and 10.78.0.10:3260 is down ..."
multipath:
  description:
    - The dm-multipath map over the paths; null for a single-path attachment or when no disk of the
      target is a path of a map.
  returned: always
  type: dict
  contains:
    name:
      description: The map's name.
      type: str
    wwid:
      description: The map's WWID.
      type: str
    device:
      description: The map's C(/dev/mapper) device.
      type: str
    queueing:
      description:
        - multipathd's queueing policy of the map as it applies it (C(on) queues I/O while no path is left,
          C(off) fails it, C(12 chk) queues for 12 checker intervals); null when multipathd did not answer.
      type: str
    multipathd_error:
      description: What multipathd answered when it could not list its paths (not running?); null otherwise.
      type: str
  sample: {name: 36001405e0a3b0c6b6a1e4d2a8f9c7d10, wwid: 36001405e0a3b0c6b6a1e4d2a8f9c7d10,
           device: /dev/mapper/36001405e0a3b0c6b6a1e4d2a8f9c7d10, queueing: "on", multipathd_error: null}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm, probe, validation


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["multipath_portals"],
            portal_address=dict(type="str", required=True, aliases=["portal"]),
            portal_port=dict(type="int", default=3260, aliases=["port"]),
            target_iqn=dict(type="str", required=True),
            initiator_iqn=dict(type="str"),
            acl=dict(type="list", elements="str"),
            timeout=dict(type="float", default=5),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        validation.iqn(params["target_iqn"], "target IQN")
        if params["initiator_iqn"] is not None:
            validation.iqn(params["initiator_iqn"], "initiator IQN")
        for entry in params["acl"] or []:
            validation.iqn(entry, "ACL entry")
        if not params["portal_address"].strip():
            raise validation.ValidationError("portal_address must not be empty")
        if not 0 < params["portal_port"] < 65536:
            raise validation.ValidationError("invalid portal_port %r: use 1-65535" % params["portal_port"])
        if not params["timeout"] > 0:
            raise validation.ValidationError("invalid timeout %r: give a number of seconds above 0" % params["timeout"])
        validation.multipath_portals(params)
    except validation.ValidationError as error:
        module.fail_json(msg=str(error))

    initiator_iqn = params["initiator_iqn"] or probe.read_initiator_name()
    portal = params["portal_address"].strip()
    checks, checks_ok, checks_diagnosis, address = probe.run_checks(
        module,
        portal,
        params["portal_port"],
        params["target_iqn"],
        initiator_iqn,
        params["acl"],
        params["timeout"],
    )
    multipath, paths = probe.diagnose_paths(module, iscsiadm.HostView(), params["target_iqn"], params["portal_port"],
                                            address or portal, params["extra_portal_addresses"], params["timeout"])
    status, diagnosis = probe.status_of(checks_ok, checks_diagnosis, paths)
    module.exit_json(
        changed=False,
        status=status,
        ok=status == probe.HEALTHY,
        diagnosis=diagnosis,
        checks=checks,
        paths=paths,
        multipath=multipath,
        initiator_iqn=initiator_iqn,
        target_iqn=params["target_iqn"],
    )


if __name__ == "__main__":
    main()
