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
  - A failing check does not fail the module; read RV(ok) and RV(diagnosis).
version_added: 0.1.0
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
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
      - Seconds to wait for the TCP connection before calling it timed out.
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

- name: Show the diagnosis
  ansible.builtin.debug:
    msg: "{{ probe.diagnosis }}"
"""

RETURN = r"""
ok:
  description: Whether every check that ran passed.
  returned: always
  type: bool
  sample: false
diagnosis:
  description: One line naming the first failing check and what it saw, or saying that all is well.
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
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import probe
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation


def main():
    module = AnsibleModule(
        argument_spec=dict(
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
    except validation.ValidationError as error:
        module.fail_json(msg=str(error))

    initiator_iqn = params["initiator_iqn"] or probe.read_initiator_name()
    checks, ok, diagnosis = probe.run_checks(
        module,
        params["portal_address"].strip(),
        params["portal_port"],
        params["target_iqn"],
        initiator_iqn,
        params["acl"],
        params["timeout"],
    )
    module.exit_json(
        changed=False,
        ok=ok,
        diagnosis=diagnosis,
        checks=checks,
        initiator_iqn=initiator_iqn,
        target_iqn=params["target_iqn"],
    )


if __name__ == "__main__":
    main()
