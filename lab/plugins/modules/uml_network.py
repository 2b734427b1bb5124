#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: uml_network
short_description: The network of a User Mode Linux lab, kept inside its own network namespace
version_added: 0.1.0
description:
  - Creates or removes a network namespace holding a bridge with an address and one tap device
    per lab host, so that User Mode Linux guests started inside the namespace (see
    M(novavolume.lab.uml_host)) can reach each other and the control node can reach them
    through the namespace, while no lab traffic leaves it.
  - With O(state=absent) every process still inside the namespace is killed, the taps and the
    bridge are deleted and the namespace is removed.
  - Runs on the control node, as root.
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
options:
  name:
    description:
      - Name of the network namespace (the lab's name).
    type: str
    required: true
  state:
    description:
      - V(present) makes the namespace, bridge and taps; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  bridge:
    description:
      - Name of the bridge inside the namespace, at most 15 characters.
      - Required with O(state=present).
    type: str
  address:
    description:
      - Address with prefix length of the bridge, for example V(10.77.0.1/24).
      - Required with O(state=present).
    type: str
  taps:
    description:
      - Names of the tap devices to attach to the bridge, one per guest, at most 15 characters each.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Devices live inside the namespace, so two labs with different names may use the same device
    names and the same subnet.
"""

EXAMPLES = r"""
- name: Make the lab network
  novavolume.lab.uml_network:
    name: novalab
    bridge: novalab-br
    address: 10.77.0.1/24
    taps: [tap-controller, tap-compute1, tap-compute2]

- name: Remove the lab network and anything still running in it
  novavolume.lab.uml_network:
    name: novalab
    state: absent
"""

RETURN = r"""
commands:
  description: The commands run (or, in check mode, that would run), as argv lists.
  returned: always
  type: list
  elements: list
  sample: [["ip", "netns", "add", "novalab"]]
killed:
  description: Pids of processes killed because they were still in the namespace.
  returned: always
  type: list
  elements: int
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lab.plugins.module_utils import lab
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError


def read_links(ip, netns):
    """{ifname: link} of the namespace, {} when it does not exist yet."""
    if not lab.netns_exists(netns):
        return {}
    dummy, out, dummy = ip.run("netns json words", netns=netns, json=True, words=["link", "show"])
    return dict((link["ifname"], link) for link in lab.read_json(out))


def has_address(ip, netns, dev, address):
    dummy, out, dummy = ip.run("netns json words", netns=netns, json=True, words=["addr", "show", "dev", dev])
    wanted_ip, wanted_prefix = address.split("/")
    for link in lab.read_json(out):
        for info in link.get("addr_info", []):
            if info.get("local") == wanted_ip and str(info.get("prefixlen")) == wanted_prefix:
                return True
    return False


def is_up(link):
    return "UP" in link.get("flags", [])


def plan_present(ip, params):
    """The `ip` word lists (each run with -netns NAME, except `netns add`) that make the network."""
    name, bridge, address = params["name"], params["bridge"], params["address"]
    plan = []
    exists = lab.netns_exists(name)
    if not exists:
        plan.append(["netns", "add", name])
    links = read_links(ip, name) if exists else {}
    if not is_up(links.get("lo", {})):
        plan.append(["link", "set", "lo", "up"])
    if bridge not in links:
        plan.append(["link", "add", bridge, "type", "bridge"])
    if bridge not in links or not has_address(ip, name, bridge, address):
        plan.append(["addr", "add", address, "dev", bridge])
    if not is_up(links.get(bridge, {})):
        plan.append(["link", "set", bridge, "up"])
    for tap in params["taps"]:
        link = links.get(tap)
        if link is None:
            plan.append(["tuntap", "add", tap, "mode", "tap"])
        if link is None or link.get("master") != bridge:
            plan.append(["link", "set", tap, "master", bridge])
        if link is None or not is_up(link):
            plan.append(["link", "set", tap, "up"])
    return plan


def plan_absent(ip, params):
    name = params["name"]
    if not lab.netns_exists(name):
        return []
    plan = []
    links = read_links(ip, name)
    # Taps first, then bridges: a bridge cannot go while a port is enslaved in some kernels.
    for ifname in sorted(links, key=lambda n: links[n].get("master") is None):
        if ifname != "lo":
            plan.append(["link", "del", ifname])
    plan.append(["netns", "del", name])
    return plan


def describe(ip, name):
    if not lab.netns_exists(name):
        return {"namespace": None}
    links = read_links(ip, name)
    return {
        "namespace": name,
        "links": dict((n, {"master": l.get("master"), "up": is_up(l)}) for n, l in sorted(links.items())),
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            bridge=dict(type="str"),
            address=dict(type="str"),
            taps=dict(type="list", elements="str", default=[]),
        ),
        required_if=[("state", "present", ["bridge", "address"])],
        supports_check_mode=True,
    )
    params = module.params
    try:
        lab.check_label(params["name"], "namespace name")
        if params["state"] == "present":
            lab.check_ifname(params["bridge"], "bridge name")
            for tap in params["taps"]:
                lab.check_ifname(tap, "tap name")
            if len(set(params["taps"] + [params["bridge"]])) != len(params["taps"]) + 1:
                raise lab.LabError("tap and bridge names must all differ: %s" % params["taps"])
            lab.check_address(params["address"])
    except lab.LabError as exc:
        module.fail_json(msg=str(exc))

    ip = lab.ip_runner(module)
    result = dict(changed=False, commands=[], killed=[])
    try:
        before = describe(ip, params["name"])
        if params["state"] == "present":
            plan = plan_present(ip, params)
        else:
            plan = plan_absent(ip, params)
            pids = lab.netns_pids(params["name"])
            if pids:
                result["killed"] = pids
                result["changed"] = True
                if not module.check_mode:
                    stayed = lab.kill_pids(pids)
                    if stayed:
                        module.fail_json(msg="processes in namespace %s survived SIGKILL: %s" % (params["name"], stayed), **result)
        for words in plan:
            netns = None if words[0] == "netns" else params["name"]
            result["commands"].append(ip.argv("netns words", netns=netns, words=words))
            if not module.check_mode:
                ip.run("netns words", netns=netns, words=words)
        result["changed"] = result["changed"] or bool(plan)
        if result["changed"] and module._diff:
            after = describe(ip, params["name"]) if not module.check_mode else {"planned": result["commands"]}
            result["diff"] = {"before": before, "after": after}
    except CommandError as exc:
        module.fail_json(**dict(result, **exc.fail_json_kwargs()))
    except lab.LabError as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
