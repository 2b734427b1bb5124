#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: volume_restore
short_description: Restore a volume_backup archive or repository snapshot into a volume, or single files from it
description:
  - Runs on the controller. Reads the manifest beside the archive, checks that the checksum file
    and the manifest agree and that the archive's checksum matches, before anything is created.
  - Creates the volume O(name) (at least the backed-up volume's size), or, with O(force), uses an
    existing volume that is not attached and not in use, destroying its data. With neither O(name)
    nor O(reference), creates a new volume named with the next free id of O(name_template), as
    M(novavolume.lvm_iscsi.volume) does; each such run makes another volume.
  - Recreates the recorded layout - the partition table (C(sfdisk)) when the backed-up volume had
    one, and each archived file system with its type, label and (unless I(keep_uuids=false)) UUID -
    mounts the file systems, extracts the archive into them and unmounts them. Partitions that were
    not archived (swap, unknown types) are recreated in the partition table only, empty.
  - On failure everything this run created is removed (mounts, kpartx maps, the new volume). A
    failed restore into an existing volume leaves that volume incomplete, and says so.
  - A finished restore tags the volume C(novavolume.restored=<checksum>); the same restore run
    again reports no change.
  - From a restic repository (I(repository), I(password_file), I(source_volume)), the latest
    backup of I(source_volume), or the one I(snapshot) names. A backup of content C(files) is
    restored as an archive is, from its C(layout.json), with C(restic restore); a backup of content
    C(image) is streamed with C(restic dump) onto the volume, partition table and all. The volume
    is then tagged C(novavolume.restored=<snapshot id>).
  - With I(paths), single files or folders of a files backup in the repository are restored into
    the folder I(destination) on the controller instead, and no volume is touched - each path is
    looked up in the backup first (C(restic ls)); C(restic restore --include) writes them into a
    temporary folder beside I(destination), and each is moved into place only when all are there,
    so a failed or stopped restore leaves nothing in I(destination). A I(destination) that holds
    anything is refused unless I(force), which replaces the restored paths in it and leaves the
    rest alone. A new I(destination) is made with mode 0700 (the files keep their owners and
    modes). C(playbooks/volume_restore_files.yml) also puts them onto a compute host.
  - Attaching the restored volume to an instance is M(novavolume.lvm_iscsi.target_export)'s and
    M(novavolume.lvm_iscsi.iscsi_session)'s job (see C(playbooks/volume_attach.yml)).
version_added: "0.1.0"
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.locking
  - novavolume.lvm_iscsi.volume_group
  - novavolume.lvm_iscsi.volumes
  - novavolume.lvm_iscsi.target_backend
  - novavolume.lvm_iscsi.volume_reference
options:
  archive:
    description:
      - Absolute path of the archive (C(.tar.gz) or C(.tar.zst)) written by M(novavolume.lvm_iscsi.volume_backup).
      - Give either I(archive) or I(repository).
    type: path
  repository:
    description: The restic repository volume_backup wrote with I(format=repository), an absolute path on the controller or C(sftp:USER@HOST:/PATH).
    type: str
  password_file:
    description: The repository's password file. Required with I(repository).
    type: path
  source_volume:
    description: The volume whose backup is restored from I(repository). Required with I(repository).
    type: str
  snapshot:
    description: C(latest), or the id (or its unique beginning) of one of I(source_volume)'s backups.
    type: str
    default: latest
  name:
    description:
      - The volume (LV) to restore into. Mutually exclusive with O(reference), which names the volume
        restored over as a person does.
      - Leave both out to restore into a new volume named from O(name_template). Not with O(paths).
    type: str
  paths:
    description:
      - Restore only these files or folders, into I(destination), from a backup of content C(files)
        in I(repository). Each is a path inside the backed-up file system as the instance sees it
        (C(etc/hosts) or C(/etc/hosts)), without C(..).
    type: list
    elements: str
  member:
    description:
      - With I(paths), the backup's file system they are in - C(volume) (a file system on the whole
        volume) or C(part<N>) (partition N). Needed only when the backup holds more than one.
    type: str
  destination:
    description:
      - With I(paths), the folder on the controller they are restored into (with their paths below it). Its parent must exist.
      - Give either I(destination) or I(pack).
    type: path
  pack:
    description:
      - With I(paths), write them into this new file on the controller instead, a gzipped tar with
        their paths, owners and groups (by number), modes, ACLs and extended attributes, mode 0600.
        M(novavolume.lvm_iscsi.files_unpack) puts such a pack in place on another host
        (C(playbooks/volume_restore_files.yml) with C(-e instance=...)).
      - The file must not exist; its folder must. It is removed again when the run fails.
    type: path
  size:
    description:
      - Size of a new volume (GB, or a number with a unit). Defaults to the backed-up volume's
        size; a smaller size is raised to it.
    type: str
  force:
    description:
      - Restore into an existing volume (detached, not in use), destroying its data.
      - With I(paths), restore into a I(destination) that is not empty, replacing the restored paths in it.
    type: bool
    default: false
  keep_uuids:
    description:
      - Give the new file systems the UUIDs recorded in the manifest, so that an instance's fstab
        entries by UUID still match. Set to false when the original volume stays attached to the
        same host.
    type: bool
    default: true
  display_name:
    description: Display name of a new volume (volume metadata). Defaults to C(restore of <volume>).
    type: str
  work_dir:
    description: Folder for the temporary mounts.
    type: path
    default: /run/novavolume-backup
notes:
  - The target backend's exports are read to name a new volume (a name an export still holds is
    taken) and to describe the restored volume (RV(record)).
  - Check mode verifies the archive (or finds the snapshot and reads its layout; with I(paths), also
    looks the paths up and checks the destination) and reports what would be done.
  - Supports diff mode (whether the volume exists and holds this restore; with I(paths), the destination before and the paths after).
requirements: [lvm2, kpartx, tar, pigz or gzip, zstd (for zstd archives), util-linux (sfdisk, mount), e2fsprogs/xfsprogs, restic (for a repository)]
"""

EXAMPLES = r"""
- name: Restore last night's backup into a new volume
  novavolume.lvm_iscsi.volume_restore:
    archive: /srv/backups/volumes/volume-1/volume-1_20261124T210000Z.tar.gz
    name: volume-1-restored
  register: restored

- name: Restore into an existing, detached volume
  novavolume.lvm_iscsi.volume_restore:
    archive: /srv/backups/volumes/volume-1/volume-1_20261124T210000Z.tar.gz
    name: volume-1
    force: true

- name: Restore the latest backup of volume-2 from the restic repository
  novavolume.lvm_iscsi.volume_restore:
    repository: /srv/backups/restic
    password_file: /etc/novavolume/restic-password
    source_volume: volume-2
    name: volume-2-restored

- name: Restore into a new volume with the next free id (volume-00000008 after volume-00000007)
  novavolume.lvm_iscsi.volume_restore:
    archive: /srv/backups/volumes/volume-1/volume-1_20261124T210000Z.tar.gz
    name_template: volume-%08x

- name: Restore over volume 7 (its id, LV name or display name), which must be detached
  novavolume.lvm_iscsi.volume_restore:
    archive: /srv/backups/volumes/volume-1/volume-1_20261124T210000Z.tar.gz
    reference: "7"
    force: true

- name: Restore two files of the latest backup of volume-2 into a folder on the controller
  novavolume.lvm_iscsi.volume_restore:
    repository: /srv/backups/restic
    password_file: /etc/novavolume/restic-password
    source_volume: volume-2
    paths: [etc/nginx/nginx.conf, var/www/index.html]
    destination: /srv/restores/volume-2
"""

RETURN = r"""
action:
  description:
    - C(create) (new volume), C(overwrite) (existing volume with force) or C(done) (already restored).
    - C(files) with I(paths).
  returned: always
  type: str
  sample: create
volume:
  description: The restored volume.
  returned: unless I(paths) is given
  type: dict
  sample: {name: volume-1-restored, vg: nova-volumes, path: /dev/nova-volumes/volume-1-restored, size: 1073741824,
           restored_from: /srv/backups/volumes/volume-1/volume-1_20261124T210000Z.tar.gz, source_volume: volume-1,
           backup_started_at: "2026-11-24T21:00:00Z", checksum: "3f786850e387550fdab836ed7e6dc881de23001b",
           filesystems: [{member: part1, partition: 1, fstype: ext3, label: data, uuid: "6b1c..."}]}
record:
  description: The restored volume as M(novavolume.lvm_iscsi.volume_info) lists it, so that a caller needs no second read.
  returned: success, not in check mode, when a volume was restored (not O(paths))
  type: dict
  sample: {id: volume-00000008, name: volume-00000008, status: available, display_name: restore of volume-1, size: 1.0}
reference_error:
  description: Why O(reference) was not resolved, V(not_found) or V(ambiguous). Only on that failure.
  returned: when O(reference) matches no volume or several
  type: str
  sample: not_found
destination:
  description: With I(paths), the folder they were restored into.
  returned: with I(paths) and I(destination)
  type: str
  sample: /srv/restores/volume-2
pack:
  description: With I(paths), the pack they were written into.
  returned: with I(paths) and I(pack)
  type: str
  sample: /var/tmp/.novavolume-restore-k2j3h4.tar.gz
paths:
  description: With I(paths), the paths restored (relative to I(destination) and to the file system).
  returned: with I(paths)
  type: list
  elements: str
  sample: [etc/nginx/nginx.conf, var/www/index.html]
member:
  description: With I(paths), the backup's file system they came from.
  returned: with I(paths)
  type: str
  sample: part1
snapshot_id:
  description: With I(paths), the restic snapshot they came from.
  returned: with I(paths)
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_file_restore
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_restore
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import file_placement
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import lvm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.backup_common import BackupError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import load_backend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import BackendError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_records import (
    next_free_name, read_exports, record_of, resolve_reference)
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import (
    NameTemplate, UnresolvedReference)


def restore_volume(module, params, options, template):
    """Resolve (reference) or name (name_template) the volume, restore into it, and return the
    result with the volume as volume_info lists it."""
    backend = load_backend(module, params["target_backend"])
    new_name = None
    if params["reference"] is not None:
        options["name"] = resolve_reference(module, options["vg"], params["reference"], template)
    elif options["name"] is None:
        def pick_name():
            # called by backup_restore under the volume group's lock of new names
            return next_free_name(module, backend, options["vg"], template, params["target_prefix"],
                                  "volume_restore (a new %s)" % template.template, options["lock_timeout"])[0]
        new_name = pick_name
    # A stopped timer or a cancelled job: clean up what this run made, then report.
    with backup_common.stop_cleanly_on_signals():
        result = backup_restore.restore(module, options, check_mode=module.check_mode, new_name=new_name)
    if not module.check_mode:
        name = result["volume"]["name"]
        exports = read_exports(backend, "volume_restore (%s)" % name, options["lock_timeout"])
        result["record"] = record_of(module, options["vg"], name, exports, params["target_prefix"])
    return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volumes", "locking", "target_backend"],
            archive=dict(type="path"),
            repository=dict(type="str"),
            password_file=dict(type="path", no_log=False),
            source_volume=dict(type="str"),
            snapshot=dict(type="str", default="latest"),
            name=dict(type="str"),
            reference=dict(type="str"),
            name_template=dict(type="str", default="volume-%08x"),
            paths=dict(type="list", elements="str"),
            member=dict(type="str"),
            destination=dict(type="path"),
            pack=dict(type="path"),
            size=dict(type="str"),
            force=dict(type="bool", default=False),
            keep_uuids=dict(type="bool", default=True),
            display_name=dict(type="str"),
            work_dir=dict(type="path", default="/run/novavolume-backup"),
        ),
        required_one_of=[("archive", "repository")],
        mutually_exclusive=[("archive", "repository"), ("name", "reference"), ("name", "paths"), ("reference", "paths"),
                            ("archive", "paths"), ("size", "paths"), ("display_name", "paths"), ("destination", "pack")],
        required_by=dict(repository=("password_file", "source_volume"),
                         member=("paths",), destination=("paths",), pack=("paths",)),
        supports_check_mode=True,
    )
    params = module.params
    try:
        template = NameTemplate(params["name_template"])
        validation.iqn(lvm.target_iqn(params["target_prefix"], "x"), "target_prefix")
        options = dict(
            archive=validation.absolute_path(params["archive"], "archive") if params["archive"] else None,
            repository=backup_repository.repository_location(params["repository"]) if params["repository"] else None,
            password_file=validation.absolute_path(params["password_file"], "password_file")
            if params["password_file"] else None,
            source_volume=validation.volume_name(params["source_volume"]) if params["source_volume"] else None,
            snapshot=backup_repository.snapshot_choice(params["snapshot"]),
            name=validation.volume_name(params["name"]) if params["name"] is not None else None,
            paths=file_placement.file_paths(params["paths"]) if params["paths"] is not None else None,
            member=backup_file_restore.member_name(params["member"]),
            destination=file_placement.destination_folder(params["destination"])
            if params["destination"] else None,
            pack=validation.absolute_path(params["pack"], "pack") if params["pack"] else None,
            vg=validation.vg_name(params["vg"]),
            size=validation.size_bytes(params["size"]) if params["size"] else None,
            force=params["force"],
            keep_uuids=params["keep_uuids"],
            display_name=params["display_name"],
            work_dir=validation.absolute_path(params["work_dir"], "work_dir"),
            lock_timeout=params["lock_timeout"],
        )
        if options["paths"] is not None and not (options["destination"] or options["pack"]):
            raise ValidationError("paths needs destination (a folder on the controller) or pack (a file for another host)")
    except ValidationError as error:
        module.fail_json(msg=str(error))
    try:
        if options["paths"] is not None:
            # A stopped timer or a cancelled job: clean up what this run made, then report.
            with backup_common.stop_cleanly_on_signals():
                result = backup_file_restore.restore_files(module, options, check_mode=module.check_mode)
        else:
            result = restore_volume(module, params, options, template)
    except UnresolvedReference as error:
        module.fail_json(msg=str(error), reference_error=error.kind)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except BackendError as error:
        module.fail_json(msg="cannot read the exports of target backend %s: %s" % (params["target_backend"], error))
    except BackupError as error:
        command_error = getattr(error, "command_error", None)
        extra = {}
        if command_error is not None:
            extra = dict(cmd=command_error.argv, rc=command_error.rc, stdout=command_error.out,
                         stderr=command_error.err)
        module.fail_json(msg=str(error), **extra)
    if not module._diff:
        result.pop("diff")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
