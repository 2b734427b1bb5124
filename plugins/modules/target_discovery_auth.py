#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: target_discovery_auth
short_description: Ask every SendTargets discovery on the controller for CHAP credentials
description:
  - Runs on the controller. With O(state=present) an initiator must log in with O(chap_username)
    and O(chap_password) before a SendTargets discovery lists anything to it; with
    O(state=absent) discovery asks for no credentials (each export still lists only to the
    initiator of its ACL, and every login still needs the export's own CHAP credentials).
  - One setting of the whole target host, kept in the backend's saved configuration (LIO
    C(/etc/rtslib-fb-target/saveconfig.json), iet C(/etc/iet/ietd.conf), mode 0600), so it
    survives a reboot. A re-run with the same credentials changes nothing.
  - The compute hosts' discoveries then need the same credentials
    (P(novavolume.lvm_iscsi.iscsi_session#module) O(novavolume.lvm_iscsi.iscsi_session#module:discovery_chap_username)),
    which the roles pass on from C(iscsi_target_discovery_chap_username).
  - The C(tgt) backend is not supported; the module fails, changing nothing.
version_added: 0.1.0
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
  - novavolume.lvm_iscsi.locking
  - novavolume.lvm_iscsi.target_backend
options:
  state:
    description: V(present) asks discoveries for the credentials; V(absent) asks for none.
    type: str
    choices: [present, absent]
    default: present
  chap_username:
    description: CHAP user of discovery sessions. Required with O(state=present).
    type: str
  chap_password:
    description:
      - CHAP secret of discovery sessions, 12 to 255 letters and digits. Required with O(state=present).
    type: str
requirements:
  - "lio: the Python library rtslib_fb (python3-rtslib-fb) and configfs"
  - "iet: ietd running and ietadm"
"""

EXAMPLES = r"""
- name: Ask discoveries for credentials
  novavolume.lvm_iscsi.target_discovery_auth:
    chap_username: nv-discovery
    chap_password: "{{ vault_discovery_secret }}"

- name: Ask for none again
  novavolume.lvm_iscsi.target_discovery_auth:
    state: absent
"""

RETURN = r"""
actions:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
  sample: [set discovery authentication, save configuration]
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import load_backend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import SECRET_MASK, BackendError

# Letters, digits and . _ - for the user; letters and digits for the secret: no quoting is needed
# in ietd.conf or the initiators' records. 12 is the shortest secret some initiators accept.
_USER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECRET = re.compile(r"^[A-Za-z0-9]{12,255}$")


def credentials_of(params):
    if params["state"] == "absent":
        return None
    user, secret = params["chap_username"], params["chap_password"]
    if not _USER.match(user):
        raise validation.ValidationError("invalid chap_username %r: 1 to 64 letters, digits, '.', '_' or '-'" % user)
    if not _SECRET.match(secret):
        raise validation.ValidationError("invalid chap_password: give 12 to 255 letters and digits")
    return user, secret


def view(credentials):
    return dict(enabled=False) if credentials is None else dict(enabled=True, chap_username=credentials[0], chap_password=SECRET_MASK)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["locking", "target_backend"],
            state=dict(type="str", choices=["present", "absent"], default="present"),
            chap_username=dict(type="str"),
            chap_password=dict(type="str", no_log=True),
        ),
        required_if=[("state", "present", ("chap_username", "chap_password"))],
        supports_check_mode=True,
    )
    try:
        wanted = credentials_of(module.params)
    except validation.ValidationError as error:
        module.fail_json(msg=str(error))
    backend = load_backend(module, module.params["target_backend"])
    result = dict(changed=False, actions=[])
    try:
        with locks.held([locks.TARGET_CONFIG], "target_discovery_auth (state %s)" % module.params["state"],
                        wait=module.params["lock_timeout"]):
            current = backend.discovery_credentials()
            actions = backend.plan_discovery(wanted, current)
            result.update(changed=bool(actions), actions=actions)
            if module._diff:
                result["diff"] = dict(before=view(current), after=view(wanted))
            if actions and not module.check_mode:
                backend.set_discovery(wanted, actions)
    except (locks.LockTimeout, BackendError) as error:
        module.fail_json(msg=str(error), **result)
    except CommandError as error:
        module.fail_json(**dict(result, **error.fail_json_kwargs()))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
