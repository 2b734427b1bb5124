#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: volume_backup
short_description: Consistent, used-data-only archives of volumes from LVM snapshots
description:
  - Runs on the controller that holds the volume group. For one volume or every volume of the
    volume group (snapshots excluded) it takes an LVM snapshot (also while the volume is attached
    and in use), finds the partitions inside it with C(kpartx) when the instance partitioned the
    volume, mounts each file system read-only without journal replay (ext3/ext4 C(noload), xfs
    C(norecovery,nouuid)), and archives only the used data with C(tar).
  - The archive holds file systems only. Swap partitions and partitions with no signature are
    recreated empty by a restore; a volume with a partition holding anything else (an LVM
    physical volume, LUKS, a file system the backup cannot mount) is refused with
    I(format=archive), since a restore would bring that partition back empty. Back such a volume
    up with I(format=repository), which keeps it whole as its block image.
  - The archive is compressed by C(pigz) (gzip format, C(.tar.gz), all cores) or C(zstd)
    (C(.tar.zst)); the checksum is computed while the archive is written, so the data is read
    once. The archive is written under a temporary name and renamed when complete; beside it are
    the checksum file in C(sha1sum)/C(sha256sum) format and a JSON manifest (volume, times, sizes,
    checksum, partition layout, tool version).
  - Files go to I(destination)/<volume>/<volume>_<YYYYmmddTHHMMSSZ>.tar.gz (+ C(.sha1), C(.json)).
  - While archiving, the snapshot's fill level is watched; if it fills up the archive is
    discarded and the volume's backup fails. With I(grow_snapshot_at) the snapshot is extended
    before that point when the volume group has room.
  - Everything the run created is always removed, also on failure (a full destination, a filled
    snapshot, a failing command); mounts, kpartx maps (C(dmsetup remove) when kpartx reports the
    map busy), the snapshot and the temporary file.
  - Retention removes backups older than I(retention_days) but always keeps the newest
    I(keep_min) good backups of each volume backed up in this run (good means the manifest, the
    archive and the checksum file are all present).
  - A report (start time, retention, per volume duration and archive size, total size of the
    backups, used percentage of the destination, total time) is returned and written to
    I(report_file). Mailing it is left to the playbook (see C(playbooks/volume_backup.yml)).
  - A pre-backup hook (for example a database dump) runs on the host the volume is attached to,
    which this module cannot reach; the playbook runs it there and passes its outcome in
    I(hook_results). A volume whose hook failed is not backed up and is reported as failed.
  - The run fails when any volume's backup failed; the volumes that succeeded keep their backups.
  - With I(format=repository) the backups go into a restic repository (version 2, compressed)
    instead, incremental and deduplicated (a later run stores only what changed, across volumes
    too), encrypted with the key in I(password_file), which restic reads itself
    (C(--password-file)), so the password is in no argv and no log. A volume whose file systems
    can all be mounted goes in as files (the read-only mounts, used data only, with a
    C(layout.json) recording the partition table and file systems); any other volume (no file
    system, LVM inside, an unknown partition) goes in as the block image of its snapshot,
    streamed through C(restic backup --stdin). Each backup is one restic snapshot tagged
    C(novavolume), C(volume=<name>), C(content=files|image) and C(size=<bytes>).
  - I(format) defaults to C(archive) for compatibility with existing destinations, the nightly
    configuration and the restore of earlier backups. C(repository) is the better choice for new
    set-ups (much less space and time after the first run, encryption, verification).
version_added: "0.1.0"
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.locking
  - novavolume.lvm_iscsi.volume_group
options:
  volume:
    description: The volume (LV name) to back up. Give either I(volume) or I(all).
    type: str
  all:
    description: Back up every volume of the volume group (snapshots excluded).
    type: bool
    default: false
  destination:
    description:
      - Absolute path of the folder receiving the backups (created if missing).
      - With I(format=repository) only the report goes there by default.
    type: path
    required: true
  format:
    description:
      - C(archive) writes a compressed tar, its checksum file and a manifest per backup.
      - C(repository) stores each backup as a snapshot in the restic repository I(repository).
    type: str
    choices: [archive, repository]
    default: archive
  repository:
    description:
      - The restic repository - an absolute path on the controller, or C(sftp:USER@HOST:/PATH) on
        another host over SFTP (ssh finds the key and the host key through root's ssh configuration,
        which roles/volume_backup writes). Created, as repository version 2, when there is none.
        Required with I(format=repository).
    type: str
  password_file:
    description:
      - Absolute path of the file holding the repository's password (mode 0600, written by
        roles/volume_backup from a variable kept out of logs). Required with I(format=repository).
    type: path
  snapshot_size:
    description:
      - Size of the LVM snapshot, a number of GB or a number with a unit (C(512M), C(2G)).
      - Defaults to the origin's size, which cannot fill up. The run refuses a volume whose
        snapshot does not fit into the volume group's free space before creating anything.
    type: str
  grow_snapshot_at:
    description:
      - When the snapshot's fill level reaches this percentage during the backup, extend it
        (by its size, at most by the origin's size) if the volume group has the room.
    type: int
  compression:
    description: C(gzip) writes C(.tar.gz) with C(pigz) on all cores; C(zstd) writes C(.tar.zst).
    type: str
    choices: [gzip, zstd]
    default: gzip
  checksum:
    description: Checksum algorithm; the file C(<archive>.<algorithm>) is in C(sha1sum)/C(sha256sum) format.
    type: str
    choices: [sha1, sha256]
    default: sha1
  excludes:
    description:
      - Paths relative to the root of each file system that are not archived.
      - C(lost+found) is always excluded.
    type: list
    elements: str
    default: []
  retention_days:
    description:
      - Format archive - remove backups older than this many days (of the volumes backed up in this
        run). No retention when unset.
    type: int
  keep_min:
    description: The newest good backups of each volume that retention always keeps.
    type: int
    default: 1
  keep_last:
    description:
      - Format repository - keep the newest N backups of each volume backed up in this run
        (C(restic forget --prune --keep-last)); with the other keep_* options, a backup any of
        them keeps stays. Without any keep_* nothing is removed.
      - Format archive keeps I(retention_days) and I(keep_min) instead.
    type: int
  keep_daily:
    description: Format repository - keep the last backup of each of the last N days.
    type: int
  keep_weekly:
    description: Format repository - keep the last backup of each of the last N weeks.
    type: int
  keep_monthly:
    description: Format repository - keep the last backup of each of the last N months.
    type: int
  report_file:
    description: Where the text report is written. Defaults to I(destination)/backup-report.txt.
    type: path
  work_dir:
    description: Folder for the read-only mounts (one sub-folder per volume).
    type: path
    default: /run/novavolume-backup
  hook_results:
    description:
      - Outcome of the pre-backup hook per volume, keyed by volume name, each a dict with at least
        C(host) and C(rc) (for example the registered result of a delegated command).
      - A volume whose hook returned a non-zero C(rc) is not backed up.
    type: dict
    default: {}
notes:
  - Check mode reports which volumes would be backed up and which backups retention would
    remove, after checking the volume group's free space; it creates nothing.
  - The module does not support diff mode; the report describes the changes.
  - Restore with M(novavolume.lvm_iscsi.volume_restore).
requirements: [lvm2, kpartx, tar, pigz or gzip, zstd (for zstd), util-linux (blkid, mount, sfdisk), restic 0.14 or later (for format repository)]
"""

EXAMPLES = r"""
- name: Back up one volume while it is attached
  novavolume.lvm_iscsi.volume_backup:
    volume: volume-00000001
    destination: /srv/backups/volumes

- name: Back up everything nightly with zstd, keep two weeks but at least 2 per volume
  novavolume.lvm_iscsi.volume_backup:
    all: true
    destination: /srv/backups/volumes
    compression: zstd
    excludes: [tmp, var/cache]
    retention_days: 14
    keep_min: 2
    snapshot_size: 2G
    grow_snapshot_at: 80

- name: Back up everything into the encrypted, deduplicated restic repository
  novavolume.lvm_iscsi.volume_backup:
    all: true
    destination: /srv/backups/volumes
    format: repository
    repository: /srv/backups/restic
    password_file: /etc/novavolume/restic-password
"""

RETURN = r"""
backups:
  description:
    - The volumes backed up. With O(format=archive), each with its archive path, size and checksum.
    - With O(format=repository), each with the restic snapshot made (C(snapshot_id)), what went in
      (C(content), V(files) or V(image)), the new data restic stored for it (C(data_added), in
      bytes, before compression), the bytes it read (C(bytes_read)) and the file systems found.
  returned: always
  type: list
  elements: dict
  sample: [{volume: volume-1, status: ok, archive: /srv/backups/volume-1/volume-1_20261124T210000Z.tar.gz,
            archive_size: 1048576, checksum: "3f786850e387550fdab836ed7e6dc881de23001b", duration_seconds: 3.2},
           {volume: volume-2, status: ok, snapshot_id: "4566b95e3c0f5a1e7d2b9c8a6f4e3d2c1b0a99887766554433221100ffeeddcc",
            content: image, data_added: 2097152, bytes_read: 67108864, duration_seconds: 1.9}]
removed:
  description:
    - Backups removed by retention. With O(format=archive), each with its volume, backup stem and
      files; with O(format=repository), each with its volume, restic snapshot id and time.
  returned: always
  type: list
  elements: dict
report:
  description:
    - The report; C(volumes) has one entry per volume (status C(ok), C(failed) or, in check mode,
      C(would back up)), C(total_backups_size) is in bytes.
    - With O(format=archive), C(total_backups_size) is what the files under O(destination) take;
      with O(format=repository) on the controller's disk, what the repository's files take
      (read from the file system, without opening the repository); over SFTP, what the data of
      every backup takes there, each chunk counted once and compressed
      (C(restic stats --mode raw-data)), C(null) when restic could not read it (with a warning).
      C(destination_used_percent) is how full the file system holding the destination or the
      repository is; C(null) for a repository on another host (C(remote)).
  returned: always
  type: dict
  sample: {started_at: "2026-11-24T21:00:00Z", retention_days: 7, keep_min: 1, volumes: [],
           removed: [], total_backups_size: 1048576, destination_used_percent: 12.5, total_seconds: 4.1, failed: 0,
           remote: false}
report_text:
  description: The report as written to I(report_file).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.argument_specs import argument_spec
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup, backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            ["volume_group", "locking"],
            volume=dict(type="str"),
            all=dict(type="bool", default=False),
            destination=dict(type="path", required=True),
            format=dict(type="str", choices=["archive", "repository"], default="archive"),
            repository=dict(type="str"),
            password_file=dict(type="path", no_log=False),
            snapshot_size=dict(type="str"),
            grow_snapshot_at=dict(type="int"),
            compression=dict(type="str", choices=["gzip", "zstd"], default="gzip"),
            checksum=dict(type="str", choices=["sha1", "sha256"], default="sha1"),
            excludes=dict(type="list", elements="str", default=[]),
            retention_days=dict(type="int"),
            keep_min=dict(type="int", default=1),
            keep_last=dict(type="int"),
            keep_daily=dict(type="int"),
            keep_weekly=dict(type="int"),
            keep_monthly=dict(type="int"),
            report_file=dict(type="path"),
            work_dir=dict(type="path", default="/run/novavolume-backup"),
            hook_results=dict(type="dict", default={}),
        ),
        mutually_exclusive=[("volume", "all")],
        required_if=[("format", "repository", ("repository", "password_file"))],
        supports_check_mode=True,
    )
    try:
        options = backup.options_from_params(module.params)
    except ValidationError as error:
        module.fail_json(msg=str(error))
    # A stopped timer or a cancelled job: clean up what this run made, then report.
    try:
        with backup_common.stop_cleanly_on_signals():
            result, failures = backup.run_backups(module, options, check_mode=module.check_mode)
    except CommandError as error:
        module.fail_json(**error.fail_json_kwargs())
    except backup_common.BackupError as error:
        module.fail_json(msg=str(error))
    if failures:
        module.fail_json(msg="; ".join(failures), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
