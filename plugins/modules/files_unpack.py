#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: files_unpack
short_description: Put files restored from a backup in place on this host, from a pack
description:
  - Runs on the host the files go to, for example the compute host a volume is attached to.
    The pack is the gzipped tar that M(novavolume.lvm_iscsi.volume_restore) writes with O(paths)
    and C(pack) on the controller; C(playbooks/volume_restore_files.yml) with C(-e instance=...)
    carries it over.
  - The destination is checked first - it must be a folder (or not exist, its parent folder
    existing) below C(/), and hold nothing unless O(force=true), which replaces the restored
    paths in it and leaves the rest alone.
  - The pack's O(paths) are unpacked into a temporary folder beside the destination, on the same
    file system (owners and groups by number, modes, ACLs and extended attributes kept), and
    each path is moved into place only once all of them are there, so a failed or stopped run
    leaves no partial file in the destination. The temporary folder goes whatever happens. A new
    destination is made with mode 0700 (only root enters until someone gives the files out).
  - Check mode checks the destination and the paths, not the pack, so it can run before the
    pack is there.
version_added: "0.2.0"
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
  - novavolume.lvm_iscsi.attributes.full
options:
  pack:
    description: The pack on this host, an absolute path.
    type: path
    required: true
  destination:
    description: The folder the paths go into, with their paths below it (an absolute path other than C(/)).
    type: path
    required: true
  paths:
    description:
      - The paths in the pack, as given to M(novavolume.lvm_iscsi.volume_restore) (relative to the
        backed-up file system's root, without C(..)). Only these are unpacked.
    type: list
    elements: str
    required: true
  force:
    description: Put the paths into a destination that is not empty, replacing what is there under their names.
    type: bool
    default: false
  remove_pack:
    description: Remove the pack once it has been read, and when the run fails (a pack carried over for this run alone).
    type: bool
    default: false
requirements: [tar, gzip]
"""

EXAMPLES = r"""
- name: Put the restored files in place on compute2
  novavolume.lvm_iscsi.files_unpack:
    pack: /srv/.novavolume-restore-volume-2.tar.gz
    destination: /srv/restores/volume-2
    paths: [etc/nginx/nginx.conf, var/www]
    remove_pack: true
"""

RETURN = r"""
destination:
  description: The folder the paths were put into.
  returned: success
  type: str
  sample: /srv/restores/volume-2
paths:
  description: The paths put into it, normalized (relative to it).
  returned: success
  type: list
  elements: str
  sample: [etc/nginx/nginx.conf, var/www]
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import file_placement
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import tar
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def unpack(module, pack, paths, destination, state):
    """The pack's `paths` unpacked beside the destination, then put in place."""
    if not os.path.isfile(pack):
        raise BackupError("pack %s is not a file on this host" % pack)
    temp = tempfile.mkdtemp(prefix=file_placement.TEMP_PREFIX, dir=os.path.dirname(destination))
    try:
        tar.tar_runner(module).run("extract archive gzip directory keep members", extract=True, archive=pack, gzip=True,
                                   directory=temp, keep=True, members=["--"] + paths)
        file_placement.place_paths(temp, paths, destination, state)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            pack=dict(type="path", required=True),
            destination=dict(type="path", required=True),
            paths=dict(type="list", elements="str", required=True),
            force=dict(type="bool", default=False),
            remove_pack=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        pack = validation.absolute_path(params["pack"], "pack")
        destination = file_placement.destination_folder(params["destination"])
        paths = file_placement.file_paths(params["paths"])
    except ValidationError as error:
        module.fail_json(msg=str(error))
    try:
        # A stopped run: the temporary folder and a destination it made go, then it reports.
        with backup_common.stop_cleanly_on_signals():
            try:
                state = file_placement.refuse_not_empty(destination, params["force"])
                if not module.check_mode:
                    unpack(module, pack, paths, destination, state)
            finally:
                if params["remove_pack"] and not module.check_mode and os.path.lexists(pack):
                    os.unlink(pack)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except (BackupError, OSError) as error:
        module.fail_json(msg="%s; nothing was changed in %s" % (error, destination))
    result = dict(changed=True, destination=destination, paths=paths)
    if module._diff:
        result["diff"] = dict(before=dict(destination=destination, state=state),
                              after=dict(destination=destination, restored=["%s/%s" % (destination, path) for path in paths]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
