#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: volume_backup_verify
short_description: Verify the restic repository of volume_backup and name the backups any damage touches
description:
  - Runs on the controller. C(restic check) verifies the repository's structure (index, snapshots,
    trees) and, with I(read_data_subset), reads back that share of the data packs and checks each
    one's hash and every blob in it.
  - A damaged pack is named, and C(restic find --pack) lists the backups (restic snapshots, with
    their volume, time and files) whose data is in it, so it is clear which restores would fail;
    backups that do not use a damaged pack are intact.
  - The module fails when damage is found (the result still holds C(damaged_packs) and
    C(affected_backups)), and when the check cannot run (wrong password, no repository).
version_added: "0.2.0"
author:
  - novavolume maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    details: The module only reads (restic takes its own lock in the repository while it checks).
  diff_mode:
    support: none
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
options:
  repository:
    description:
      - The restic repository volume_backup writes with O(novavolume.lvm_iscsi.volume_backup#module:format=repository),
        an absolute path on the controller or C(sftp:USER@HOST:/PATH).
    type: str
    required: true
  password_file:
    description: The repository's password file (restic reads it; the password is in no argv or log).
    type: path
    required: true
  read_data_subset:
    description:
      - How much of the stored data is read back and verified - V(all), a percentage (V(10%)), or
        C(n/t) (part n of t, so that t runs read everything once).
      - Structure (index, snapshots, trees) is always checked in full.
    type: str
    default: 10%
notes:
  - A pack file whose damage makes it unreadable as a whole is named by the check; the files
    listed per backup are the ones with a block of data in that pack.
requirements: [restic 0.14 or later]
seealso:
  - module: novavolume.lvm_iscsi.volume_backup
  - module: novavolume.lvm_iscsi.volume_restore
"""

EXAMPLES = r"""
- name: Read back a tenth of the data (ten runs cover everything, on average)
  novavolume.lvm_iscsi.volume_backup_verify:
    repository: /srv/backups/restic
    password_file: /etc/novavolume/restic-password

- name: Read everything back
  novavolume.lvm_iscsi.volume_backup_verify:
    repository: /srv/backups/restic
    password_file: /etc/novavolume/restic-password
    read_data_subset: all
"""

RETURN = r"""
ok:
  description: Whether the check found nothing wrong.
  returned: success or damage found
  type: bool
  sample: true
read_data_subset:
  description: The share of the data read back, as given to restic.
  returned: always
  type: str
  sample: 10%
damaged_packs:
  description: The ids of the pack files the check found damaged.
  returned: success or damage found
  type: list
  elements: str
  sample: ["66e0f72cbc89ec258df7078f8dee5cb1c677ce01c84b30f8903fadb3fefc91e3"]
affected_backups:
  description: The backups (restic snapshots) with data in a damaged pack, oldest first.
  returned: success or damage found
  type: list
  elements: dict
  sample: [{snapshot_id: "4566b95e5459b30c7b92d361a4b5c9ac59f4516a6ad67570a49aedade718725f", short_id: 4566b95e,
            volume: volume-2, content: image, time: "2026-11-24T21:00:00Z", files: [/volume-2.img]}]
output:
  description: The last lines restic check printed.
  returned: success or damage found
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            repository=dict(type="str", required=True),
            password_file=dict(type="path", required=True, no_log=False),
            read_data_subset=dict(type="str", default="10%"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        repository = backup_repository.repository_location(params["repository"])
        password_file = validation.absolute_path(params["password_file"], "password_file")
        subset = backup_repository.data_subset(params["read_data_subset"])
    except ValidationError as error:
        module.fail_json(msg=str(error))
    try:
        result = backup_repository.verify(module, repository, password_file, subset)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except BackupError as error:
        module.fail_json(msg=str(error), read_data_subset=subset)
    result.update(changed=False, read_data_subset=subset)
    if result["damaged_packs"]:
        module.fail_json(msg="the repository %s has %d damaged pack(s); they touch %s" % (
            repository, len(result["damaged_packs"]),
            ", ".join("%s of %s (%s)" % (item["short_id"], item["volume"], item["time"])
                      for item in result["affected_backups"]) or "no backup (only unreferenced data)"), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
