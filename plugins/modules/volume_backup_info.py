#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: volume_backup_info
short_description: List the backups of a volume, in both formats, with what each one added
description:
  - Runs on the controller and only reads. Lists the backup points of I(volume), oldest first -
    the archives (format archive) under I(destination)/<volume>/ and, with I(repository), the
    volume's snapshots in the restic repository (format repository).
  - An archive is a full copy - it adds its own size. A repository backup's C(size) is what its
    data takes in the repository, and C(added) what it took beyond the volume's earlier backups
    still there (C(restic stats --mode raw-data), one call per backup and one per backup after the
    first, because restic 0.14 keeps no per-snapshot summary).
  - The volume does not need to exist any more - its backups are found by its LV name.
version_added: "0.2.0"
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
  volume:
    description: The LV name of the volume whose backups are listed.
    type: str
    required: true
  destination:
    description: The folder of the archives (format archive), as given to M(novavolume.lvm_iscsi.volume_backup).
    type: path
    default: /srv/backups/volumes
  repository:
    description:
      - The restic repository volume_backup writes with O(novavolume.lvm_iscsi.volume_backup#module:format=repository),
        an absolute path on the controller or C(sftp:USER@HOST:/PATH). Left out, only archives are listed. A
        repository that does not exist yet holds no backup.
    type: str
  password_file:
    description: The repository's password file (restic reads it; the password is in no argv or log). Required with I(repository).
    type: path
requirements: [restic 0.14 or later (for a repository)]
seealso:
  - module: novavolume.lvm_iscsi.volume_backup
  - module: novavolume.lvm_iscsi.volume_restore
"""

EXAMPLES = r"""
- name: List the archives and the repository backups of volume-00000001
  novavolume.lvm_iscsi.volume_backup_info:
    volume: volume-00000001
    repository: /srv/backups/restic
    password_file: /etc/novavolume/restic-password
  register: points
"""

RETURN = r"""
backups:
  description:
    - The backup points, oldest first. C(format) is V(archive) or V(repository); C(id) the archive's
      file name or the restic snapshot's short id (what M(novavolume.lvm_iscsi.volume_restore) takes
      as I(archive) in its folder, or as I(snapshot)); C(time) when the backup started (UTC);
      C(content) V(files) or V(image); C(size) and C(added) in bytes (see above); C(volume_size)
      the volume's size then. An archive also has its path (C(archive)) and C(complete) (manifest,
      archive and checksum file all there); a repository backup its full C(snapshot_id).
  returned: success
  type: list
  elements: dict
  sample: [{format: archive, id: volume-1_20261123T210000Z.tar.gz, archive: /srv/backups/volumes/volume-1/volume-1_20261123T210000Z.tar.gz,
            time: "2026-11-23T21:00:00Z", content: files, size: 12582912, added: 12582912, volume_size: 1073741824, complete: true},
           {format: repository, id: 4566b95e, snapshot_id: "4566b95e3c0f5a1e7d2b9c8a6f4e3d2c1b0a99887766554433221100ffeeddcc",
            time: "2026-11-24T21:00:00Z", content: files, size: 14680064, added: 2097152, volume_size: 1073741824}]
repository_found:
  description: Whether I(repository) was given and holds a restic repository.
  returned: success
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_listing, backup_repository, validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            volume=dict(type="str", required=True),
            destination=dict(type="path", default="/srv/backups/volumes"),
            repository=dict(type="str"),
            password_file=dict(type="path", no_log=False),
        ),
        required_by=dict(repository=("password_file",)),
        supports_check_mode=True,
    )
    params = module.params
    try:
        volume = validation.volume_name(params["volume"])
        destination = validation.absolute_path(params["destination"], "destination")
        repository = backup_repository.repository_location(params["repository"]) if params["repository"] else None
        password_file = validation.absolute_path(params["password_file"], "password_file") \
            if params["password_file"] else None
    except ValidationError as error:
        module.fail_json(msg=str(error))
    try:
        points, found = backup_listing.list_points(module, volume, destination, repository, password_file)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except BackupError as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=False, backups=points, repository_found=found)


if __name__ == "__main__":
    main()
