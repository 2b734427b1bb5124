#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_state
short_description: Read in one call what the roles check before changing a host
version_added: 0.2.0
description:
  - Reads packages, systemd units, kernel modules, files, LIO and tgt targets, the ufw status,
    disks (signatures and partitions) and LVM's PVs, each only when asked, in one module call.
  - The roles of this collection call it once per host and skip the tasks whose outcome the
    state already shows, instead of paying one round trip per read.
  - It changes nothing on the host.
author:
  - novavolume maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
options:
  packages:
    description: Packages whose installed state is read (with C(dpkg-query); unknown without dpkg).
    type: list
    elements: str
    default: []
  services:
    description: Systemd units whose states are read with one C(systemctl show); a name without a dot is a C(.service).
    type: list
    elements: str
    default: []
  kernel_modules:
    description:
      - Kernel modules whose state is read as M(community.general.modprobe) judges it - loaded
        (C(/proc/modules) or built in), listed in C(/etc/modules-load.d), options in C(/etc/modprobe.d).
    type: list
    elements: str
    default: []
  files:
    description: Absolute paths described (type, mode, owner, group) with the content of regular files up to 1 MiB.
    type: list
    elements: path
    default: []
  lio_targets:
    description: List the LIO iSCSI targets in configfs.
    type: bool
    default: false
  tgt_targets:
    description: List the tgt targets (C(tgtadm --op show)) when the unit O(tgt_service) is running.
    type: bool
    default: false
  tgt_service:
    description: The systemd unit of tgtd.
    type: str
    default: tgt
  ufw:
    description: Read C(ufw status) when ufw is installed.
    type: bool
    default: false
  disks:
    description: Block devices whose signatures (C(wipefs --no-act)), partition table and partitions (C(lsblk)) are read.
    type: list
    elements: path
    default: []
  pvs:
    description: List LVM's PVs and their volume groups (C(pvs)); not listed when lvm2 is missing.
    type: bool
    default: false
  tcp_connect:
    description: C(ADDRESS:PORT) items (an IPv6 address may be in brackets) to which a TCP connection is tried (2 s each).
    type: list
    elements: str
    default: []
seealso:
  - module: ansible.builtin.service_facts
  - module: ansible.builtin.stat
"""

EXAMPLES = r"""
- name: Read the state of the target host
  novavolume.lvm_iscsi.host_state:
    packages: [lvm2, targetcli-fb]
    services: [rtslib-fb-targetctl, tgt]
    kernel_modules: [configfs, target_core_mod]
    files: [/etc/lvm/lvmlocal.conf]
    lio_targets: true
  register: state

- name: Install the packages only when one is missing
  ansible.builtin.apt:
    name: [lvm2, targetcli-fb]
  when: state.packages.values() | rejectattr('installed') | list | length > 0
"""

RETURN = r"""
packages:
  description: Per package, V(installed) (null when it cannot be told) and the version.
  returned: always
  type: dict
  sample: {lvm2: {installed: true, version: 2.03.16-2}}
services:
  description: Per unit, its load, active, sub and unit file states as systemd reports them.
  returned: always
  type: dict
  sample: {tgt: {load_state: loaded, active_state: active, sub_state: running, unit_file_state: enabled}}
kernel_modules:
  description: Per kernel module, whether it is loaded, listed in C(/etc/modules-load.d), and its options in C(/etc/modprobe.d).
  returned: always
  type: dict
  sample: {iscsi_tcp: {loaded: true, persistent: true, params: []}}
files:
  description: Per path, whether it exists, its type, mode, owner, group and (regular files) content.
  returned: always
  type: dict
  sample: {/etc/iscsi/initiatorname.iscsi: {exists: true, type: file, mode: "0600", owner: root, group: root,
           content: "InitiatorName=iqn.1993-08.org.debian:01:0123456789ab\n"}}
lio_targets:
  description: The LIO iSCSI targets (empty unless O(lio_targets)).
  returned: always
  type: list
  elements: str
  sample: [iqn.2010-10.org.openstack.novavolume:portal]
tgt_targets:
  description: The output of C(tgtadm --op show) (null unless O(tgt_targets) and tgt is running).
  returned: always
  type: str
  sample: ""
ufw_status:
  description: The output of C(ufw status) (null unless O(ufw) and ufw is installed).
  returned: always
  type: str
  sample: "Status: inactive"
disks:
  description: Per disk, whether it is a block device, its signatures, the device (pttype) and its partitions with their signatures.
  returned: always
  type: dict
  sample: {/dev/ubdb: {exists: true, signatures: [dos], device: {name: /dev/ubdb, type: disk, pttype: dos, parttype: null},
           partitions: [{name: /dev/ubdb1, type: part, pttype: dos, parttype: "0x8e", signatures: [LVM2_member]}]}}
pvs:
  description: Whether the PVs could be listed, and the volume group of each PV.
  returned: always
  type: dict
  sample: {listed: true, vgs: {/dev/ubdb1: nova-volumes}}
tcp_connect:
  description: Per item of O(tcp_connect), whether the connection was accepted.
  returned: always
  type: dict
  sample: {"127.0.0.1:3260": true}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import host_state, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type="list", elements="str", default=[]),
            services=dict(type="list", elements="str", default=[]),
            kernel_modules=dict(type="list", elements="str", default=[]),
            files=dict(type="list", elements="path", default=[]),
            lio_targets=dict(type="bool", default=False),
            tgt_targets=dict(type="bool", default=False),
            tgt_service=dict(type="str", default="tgt"),
            ufw=dict(type="bool", default=False),
            disks=dict(type="list", elements="path", default=[]),
            pvs=dict(type="bool", default=False),
            tcp_connect=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params)
    try:
        params["files"] = [validation.absolute_path(path, "file") for path in params["files"]]
        params["disks"] = [validation.absolute_path(path, "disk") for path in params["disks"]]
        for text in params["tcp_connect"]:
            host_state.parse_address(text)
    except ValidationError as error:
        module.fail_json(msg=str(error))
    try:
        state = host_state.read_host_state(module, params)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except (OSError, ValueError, KeyError, IndexError) as error:
        module.fail_json(msg="reading the host state failed: %s" % error)
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
