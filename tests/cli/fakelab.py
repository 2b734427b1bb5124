"""A stand-in for the collection and the lab, so the CLI can be run for real through
ansible-runner without UML guests: a checkout root with the real CLI's layout (galaxy.yml,
ansible.cfg, collections/, playbooks/) whose modules keep the volumes in a JSON file.

Used by test_runner_integration.py and to record the event fixtures (record_fixtures.py).
The fake modules mirror the interfaces the CLI codes against: `volume` (name or name_template,
display_name, size, volume_type, vg, state, force, create_only; with name_template the new
volume's record) and `volume_info` (volumes with name, status,
display_name, size, volume_type, attached_to, mountpoint; `reference` resolved, and nova's
refusals checked, by the real module_utils/volume_reference.py; the snapshots), `volume` with
source_snapshot or source_volume (a clone of its source's size, under the real
playbooks/volume_clone.yml, whose raw read of the source finds no lvs here, so that it makes the
clone in one call), and `volume_snapshot` (name or
name_template, volume, display_name, state present, absent or reverted; a revert of a volume in
use refused), `volume_backup_info` (volume, destination, repository, password_file; the backups
of a volume of the state) and `volume_restore` (VOLUME resolved and refused as the real module
refuses it, or a new volume with the next id, the record returned; with paths, the files restored)
under the real playbooks/volume_restore.yml. The playbooks that act on one volume resolve
`volume_reference` with the real
playbooks/tasks/volume_reference.yml, as the real ones do; the attach resolves it in its export
step (fake_op op=attach), as target_export does.
"""

import json
import os
import shutil
import sys
import textwrap

# The real checkout: the pieces the fake uses as they are.
REAL_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_FILES = ("plugins/module_utils/volume_reference.py", "plugins/module_utils/validation.py",
              "playbooks/tasks/volume_reference.yml", "playbooks/service_list.yml", "playbooks/volume_restore.yml",
              "playbooks/volume_clone.yml", "playbooks/tasks/volume_clone_progress.yml")

STATE_ENV = "NOVAVOL_FAKE_STATE"

# Units the fake host_state reports as installed but failed (space-separated): for the
# service-list fixture of a host with a service down.
UNITS_DOWN_ENV = "NOVAVOL_FAKE_UNITS_DOWN"

_MODULE_HEAD = '''#!/usr/bin/python
from __future__ import absolute_import, division, print_function
__metaclass__ = type
import json
import os
import re
from ansible.module_utils.basic import AnsibleModule


def load():
    path = os.environ["%s"]
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


def save(volumes):
    with open(os.environ["%s"], "w") as handle:
        json.dump(volumes, handle, indent=1, sort_keys=True)


# The snapshots are kept beside the volumes, in a file of their own.
def load_snapshots():
    path = os.environ["%s"] + ".snapshots"
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


def save_snapshots(snapshots):
    with open(os.environ["%s"] + ".snapshots", "w") as handle:
        json.dump(snapshots, handle, indent=1, sort_keys=True)
''' % (STATE_ENV, STATE_ENV, STATE_ENV, STATE_ENV)

_REFERENCE_IMPORT = '''
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import (
    NameTemplate, UnresolvedReference, refusal, resolve)
'''

VOLUME_INFO = _MODULE_HEAD + _REFERENCE_IMPORT + '''

def main():
    module = AnsibleModule(dict(vg=dict(type="str", default="nova-volumes"), name=dict(type="str"),
                                reference=dict(type="str"), name_template=dict(type="str", default="volume-%08x"),
                                attached_to=dict(type="str"), refuse_in_use=dict(type="bool", default=False),
                                target_backend=dict(type="str")),
                           supports_check_mode=True)
    # Shaped like the real module's RETURN: id is the LV name, size a float in GB.
    volumes = [dict(volume, id=name) for name, volume in sorted(load().items())]
    if module.params["name"]:
        volumes = [volume for volume in volumes if volume["name"] == module.params["name"]]
    if module.params["reference"] is not None:
        try:
            volumes = [resolve(volumes, module.params["reference"], NameTemplate(module.params["name_template"]))]
        except UnresolvedReference as error:
            module.fail_json(msg=str(error), reference_error=error.kind)
        refused = refusal(volumes[0], module.params["reference"].strip(), attached_to=module.params["attached_to"],
                          refuse_in_use=module.params["refuse_in_use"])
        if refused:
            module.fail_json(msg=refused, volumes=volumes)
    snapshots = [snapshot for _name, snapshot in sorted(load_snapshots().items())]
    module.exit_json(changed=False, volumes=volumes, snapshots=snapshots,
                     vg=dict(name=module.params["vg"], size=60.0, free=50.0))


main()
'''

VOLUME = _MODULE_HEAD + '''

def main():
    module = AnsibleModule(dict(
        name=dict(type="str"),
        name_template=dict(type="str"),
        display_name=dict(type="str"),
        volume_type=dict(type="str"),
        volume_types=dict(type="dict", default={}),
        size=dict(type="raw"),
        vg=dict(type="str", default="nova-volumes"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
        create_only=dict(type="bool", default=False),
        source_snapshot=dict(type="str"),
        source_volume=dict(type="str"),
    ), supports_check_mode=True)
    params = module.params
    volumes = load()
    if params["name_template"]:
        # The next id after the highest of the names the template makes, as the real module
        # does (the fake knows only the CLI's template, volume-%08x).
        ids = [int(name[len("volume-"):], 16) for name in volumes if re.match("^volume-[0-9a-f]{8}$", name)]
        params["name"] = params["name_template"] % (max(ids) + 1 if ids else 1)
    current = volumes.get(params["name"])
    if current is not None and params["create_only"] and params["state"] == "present":
        module.fail_json(msg="volume %s exists already in volume group %s (create_only: it is left as it is)"
                         % (params["name"], params["vg"]), existing=[params["name"]])
    if params["state"] == "absent":
        if current is None:
            module.exit_json(changed=False)
        if current["status"] == "in-use" and not params["force"]:
            module.fail_json(msg="volume %s is in-use on %s; detach it first or set force=true"
                             % (params["name"], current["attached_to"]))
        del volumes[params["name"]]
        save(volumes)
        module.exit_json(changed=True, volume=dict(name=params["name"], state="absent", actions=["remove"]))
    if current is not None:
        module.exit_json(changed=False, volume=dict(name=params["name"], state="present", actions=[]))
    source, source_named = None, None
    if params["source_snapshot"]:
        source, source_named = load_snapshots().get(params["source_snapshot"]), "snapshot " + params["source_snapshot"]
    elif params["source_volume"]:
        source, source_named = volumes.get(params["source_volume"]), "volume " + params["source_volume"]
    if source_named and source is None:
        module.fail_json(msg="source %s does not exist in volume group %s" % (source_named, params["vg"]))
    size = float(params["size"] if params["size"] is not None else source["size"])
    volume = dict(name=params["name"], status="available", status_reason=None, display_name=params["display_name"],
                  size=size, size_bytes=int(size * 1024 ** 3), volume_type=params["volume_type"],
                  attached_to=None, mountpoint=None, created_at="2026-11-24T20:28:00Z",
                  device="/dev/%s/%s" % (params["vg"], params["name"]), exported=False, export_acls=[])
    volumes[params["name"]] = volume
    save(volumes)
    result = dict(changed=True, volume=dict(name=params["name"], state="present", actions=["create"],
                                            size=size, display_name=params["display_name"]))
    if params["name_template"]:
        result["record"] = dict(volume, id=params["name"])
    module.exit_json(**result)


main()
'''

VOLUME_SNAPSHOT = _MODULE_HEAD + '''

def main():
    module = AnsibleModule(dict(
        name=dict(type="str"),
        name_template=dict(type="str"),
        volume=dict(type="str"),
        display_name=dict(type="str"),
        size=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent", "reverted"]),
        vg=dict(type="str", default="nova-volumes"),
        target_backend=dict(type="str"),
    ), supports_check_mode=True)
    params = module.params
    snapshots, volumes = load_snapshots(), load()
    if params["name_template"]:
        ids = [int(name[len("snap-"):], 16) for name in snapshots if re.match("^snap-[0-9a-f]{8}$", name)]
        params["name"] = params["name_template"] % (max(ids) + 1 if ids else 1)
    name, current = params["name"], snapshots.get(params["name"])
    if params["state"] == "present":
        volume = volumes[params["volume"]]
        record = dict(id=name, name=name, origin=params["volume"], display_name=params["display_name"],
                      provisioning="thin", status="available", status_reason=None, size=volume["size"],
                      size_bytes=volume["size_bytes"], used_percent=None, device="/dev/%s/%s" % (params["vg"], name),
                      created_at="2026-11-24T21:00:00Z")
        snapshots[name] = record
        save_snapshots(snapshots)
        module.exit_json(changed=True, record=record, snapshot=dict(name=name, volume=params["volume"], state="present",
                                                                    actions=["create"]))
    if current is None:
        if params["state"] == "reverted":
            module.fail_json(msg="snapshot %s does not exist in volume group %s" % (name, params["vg"]))
        module.exit_json(changed=False, snapshot=dict(name=name, volume=None, state="absent", actions=[]))
    volume = volumes[current["origin"]]
    if params["state"] == "reverted" and volume["status"] == "in-use":
        module.fail_json(msg="refusing to revert volume %s to snapshot %s while it is in use: its tags record it as "
                         "attached to %s (detach it first; a revert under a mounted file system would corrupt it, "
                         "so force does not allow it)" % (current["origin"], name, volume["attached_to"]))
    del snapshots[name]
    save_snapshots(snapshots)
    module.exit_json(changed=True, snapshot=dict(name=name, volume=current["origin"], state="absent",
                                                 actions=["merge" if params["state"] == "reverted" else "remove"]))


main()
'''

# Attach, detach, recover and diagnose in one fake: each playbook calls it
# with its operation, so the CLI's playbook commands see real task events. An attach by
# reference is resolved and refused here, as target_export does in the real attach.
FAKE_OP = _MODULE_HEAD + _REFERENCE_IMPORT + '''

def main():
    module = AnsibleModule(dict(
        op=dict(type="str", required=True),
        volume=dict(type="str"),
        reference=dict(type="str"),
        force=dict(type="bool", default=False),
        instance=dict(type="str"),
        mountpoint=dict(type="str"),
        size=dict(type="int"),
        grow_filesystem=dict(type="bool", default=False),
    ))
    params = module.params
    volumes = load()
    if params["op"] == "diagnose":
        module.exit_json(changed=False, msg="%d volume(s) checked, no problems found" % len(volumes))
    if params["reference"] is not None:
        records = [dict(volume, id=name) for name, volume in sorted(volumes.items())]
        try:
            found = resolve(records, params["reference"], NameTemplate("volume-%08x"))
        except UnresolvedReference as error:
            module.fail_json(msg=str(error), reference_error=error.kind)
        refused = refusal(found, params["reference"].strip(), refuse_error=True,
                          attached_to=None if params["force"] else params["instance"])
        if refused:
            module.fail_json(msg=refused)
        params["volume"] = found["name"]
    volume = volumes.get(params["volume"])
    if volume is None:
        module.fail_json(msg="volume %s not found in VG nova-volumes" % params["volume"])
    if params["op"] == "attach":
        if volume["status"] == "in-use":
            module.exit_json(changed=False, volume=params["volume"])
        volume.update(status="in-use", attached_to=params["instance"], mountpoint=params["mountpoint"])
    elif params["op"] == "detach":
        if volume["status"] != "in-use":
            module.exit_json(changed=False)
        volume.update(status="available", attached_to=None, mountpoint=None)
    elif params["op"] == "extend":
        if params["size"] < volume["size"]:
            module.fail_json(msg="refusing to shrink volume %s from %s GiB to %s GiB: data beyond the new size would be "
                             "lost (use force, after shrinking any file system inside it)"
                             % (params["volume"], volume["size"], params["size"]))
        if params["size"] == volume["size"]:
            module.exit_json(changed=False, actions=[])
        volume.update(size=float(params["size"]), size_bytes=params["size"] * 1024 ** 3)
        save(volumes)
        module.exit_json(changed=True, actions=["grow"] + (["grow file system"] if params["grow_filesystem"] else []))
    save(volumes)
    module.exit_json(changed=True, volume=params["volume"], msg="%s %s done" % (params["op"], params["volume"]))


main()
'''

# volume_restore as the real playbooks call it: VOLUME resolved (reference) and refused as the real
# module refuses it (attached, or existing without force), or a new volume with the next free id,
# the restored volume's record returned; with paths, the files restored (a path with "missing" in
# it is not in the backup).
VOLUME_RESTORE = _MODULE_HEAD + _REFERENCE_IMPORT + '''

def main():
    module = AnsibleModule(dict(
        archive=dict(type="str"), repository=dict(type="str"), password_file=dict(type="str", no_log=False),
        source_volume=dict(type="str"), snapshot=dict(type="str"), name=dict(type="str"),
        reference=dict(type="str"), vg=dict(type="str", default="nova-volumes"), target_backend=dict(type="str"),
        size=dict(type="str"), force=dict(type="bool", default=False), keep_uuids=dict(type="bool", default=True),
        paths=dict(type="list", elements="str"), member=dict(type="str"), destination=dict(type="str"),
    ), mutually_exclusive=[("name", "reference")], supports_check_mode=True)
    params = module.params
    if params["paths"] is not None:
        paths = [path.strip("/") for path in params["paths"]]
        missing = [path for path in paths if "missing" in path]
        if missing:
            module.fail_json(msg="snapshot 5566b95e of %s has no %s in file system part1; nothing was changed"
                                 % (params["source_volume"], ", ".join(missing)))
        module.exit_json(changed=True, action="files", destination=params["destination"], paths=paths, member="part1",
                         source_volume=params["source_volume"], snapshot_id="5566b95e" + "0" * 56)
    volumes = load()
    template = NameTemplate("volume-%08x")
    name = params["name"]
    if params["reference"] is not None:
        records = [dict(volume, id=key) for key, volume in sorted(volumes.items())]
        try:
            name = resolve(records, params["reference"], template)["name"]
        except UnresolvedReference as error:
            module.fail_json(msg=str(error), reference_error=error.kind)
    elif name is None:
        name = template.next_name(volumes)
    current = volumes.get(name)
    if current is not None and not params["force"]:
        module.fail_json(msg="volume %s exists; set force: true to overwrite it with the restore "
                             "(its current data is destroyed)" % name)
    if current is not None and current["attached_to"]:
        module.fail_json(msg="volume %s is attached or in use (%s); detach it before restoring into it"
                             % (name, current["attached_to"]))
    record = current or dict(name=name, status="available", status_reason=None, display_name="restore of volume-00000001",
                             size=1.0, size_bytes=1024 ** 3, volume_type=None, attached_to=None, mountpoint=None,
                             created_at="2026-11-24T21:10:00Z", device="/dev/%s/%s" % (params["vg"], name),
                             exported=False, export_acls=[])
    volumes[name] = record
    save(volumes)
    module.exit_json(changed=True, action="overwrite" if current else "create",
                     volume=dict(name=name, vg=params["vg"], restored_from=params["archive"]),
                     record=dict(record, id=name))


main()
'''

VOLUME_BACKUP = _MODULE_HEAD + '''

def main():
    module = AnsibleModule(dict(volume=dict(type="str"), all=dict(type="bool", default=False),
                                destination=dict(type="str", default="/srv/backups/volumes")))
    params = module.params
    names = sorted(load()) if params["all"] else [params["volume"]]
    archives = ["%s/%s/%s_20261124T210000Z.tar.gz" % (params["destination"], name, name) for name in names]
    module.exit_json(changed=True, archives=archives,
                     report_text="\\n".join(["backup report"] + ["OK   " + archive for archive in archives]))


main()
'''


# host_state as service_list.yml asks it: every unit asked is installed and active (but those
# named in UNITS_DOWN_ENV, failed); the PVs carry nova-volumes.
HOST_STATE = _MODULE_HEAD + '''

def main():
    module = AnsibleModule(dict(services=dict(type="list", elements="str", default=[]),
                                pvs=dict(type="bool", default=False)), supports_check_mode=True)
    down = os.environ.get("%s", "").split()
    services = dict((name, dict(load_state="loaded", active_state="failed" if name in down else "active",
                                sub_state="failed" if name in down else "exited", unit_file_state="enabled"))
                    for name in module.params["services"])
    pvs = dict(listed=True, vgs={"/dev/ubdb": "nova-volumes"}) if module.params["pvs"] else dict(listed=False, vgs={})
    module.exit_json(changed=False, services=services, pvs=pvs)


main()
''' % UNITS_DOWN_ENV

VOLUME_BACKUP_VERIFY = _MODULE_HEAD + '''

# The repository is sound unless the fake state (the volumes file) has a volume named "damaged".
def main():
    module = AnsibleModule(dict(repository=dict(type="str"), password_file=dict(type="str", no_log=False),
                                read_data_subset=dict(type="str", default="10%")))
    subset = "100%" if module.params["read_data_subset"] == "all" else module.params["read_data_subset"]
    if "damaged" not in load():
        module.exit_json(changed=False, ok=True, read_data_subset=subset, damaged_packs=[], affected_backups=[])
    pack = "66e0f72cbc89ec258df7078f8dee5cb1c677ce01c84b30f8903fadb3fefc91e3"
    backup = dict(snapshot_id="4566b95e" + "0" * 56, short_id="4566b95e", volume="volume-00000001",
                  content="image", time="2026-11-24T21:00:00Z", files=["/volume-00000001.img"])
    module.fail_json(msg="the repository /srv/backups/restic has 1 damaged pack(s); they touch 4566b95e of "
                         "volume-00000001 (2026-11-24T21:00:00Z)", ok=False, read_data_subset=subset,
                     damaged_packs=[pack], affected_backups=[backup])


main()
'''


# volume_backup_info: a volume of the fake state has an archive and two repository backups (the
# second adding what changed); any other name has none, as a volume never backed up.
VOLUME_BACKUP_INFO = _MODULE_HEAD + '''

def main():
    module = AnsibleModule(dict(volume=dict(type="str", required=True),
                                destination=dict(type="str", default="/srv/backups/volumes"),
                                repository=dict(type="str"), password_file=dict(type="str", no_log=False)),
                           supports_check_mode=True)
    params = module.params
    backups = []
    if params["volume"] in load():
        name = params["volume"]
        stem = "%s_20261122T210000Z" % name
        backups = [
            dict(format="archive", id=stem + ".tar.gz", archive="%s/%s/%s.tar.gz" % (params["destination"], name, stem),
                 time="2026-11-22T21:00:00Z", content="files", size=13107200, added=13107200,
                 volume_size=1073741824, complete=True),
            dict(format="repository", id="4566b95e", snapshot_id="4566b95e" + "0" * 56, time="2026-11-23T21:00:00Z",
                 content="files", size=12583000, added=12583000, volume_size=1073741824),
            dict(format="repository", id="5566b95e", snapshot_id="5566b95e" + "0" * 56, time="2026-11-24T21:00:00Z",
                 content="files", size=14680064, added=2097152, volume_size=1073741824),
        ]
    module.exit_json(changed=False, backups=backups, repository_found=bool(params["repository"]))


main()
'''


# The real playbooks' first step on a volume named by the user, with what each refuses.
_RESOLVE = """\
- name: Find the volume asked for by reference
  ansible.builtin.include_tasks: tasks/volume_reference.yml
  vars: {refuse}
  when: volume_reference is defined
"""


def _play(name, hosts, tasks, refuse=None):
    """A playbook of one play; with `refuse` (vars for the real task file), it first resolves
    volume_reference as the real playbooks that act on one volume do."""
    tasks = textwrap.dedent(tasks)
    if refuse is not None:
        tasks = _RESOLVE.format(refuse=refuse) + "\n" + tasks
    return "---\n- name: %s\n  hosts: %s\n  gather_facts: false\n  tasks:\n%s" % (
        name, hosts, textwrap.indent(tasks, "    "))


def _fake_op(task, **args):
    return "- name: %s\n  novavolume.lvm_iscsi.fake_op:\n%s\n" % (
        task, "\n".join("    %s: %s" % (key, value) for key, value in args.items()))


PLAYBOOKS = {
    # As the real attach: the export (here fake_op) resolves the reference, its result hidden;
    # a rescue records a reference error in the stats and stops with the export's message; the
    # attachments role's volume_attachments_result fact names the volume.
    "volume_attach.yml": _play("Attach a volume", "controller", """\
        - name: Export the volume
          block:
            - name: Attach {{ volume_reference | default(volume) }} to {{ instance }}
              novavolume.lvm_iscsi.fake_op:
                op: attach
                volume: "{{ volume | default(omit) }}"
                reference: "{{ volume_reference | default(omit) }}"
                instance: "{{ instance }}"
                mountpoint: "{{ mountpoint }}"
                force: "{{ force | default(false) }}"
              register: fake_export
              no_log: true
          rescue:
            - name: Record that the volume asked for was not found
              ansible.builtin.set_stats:
                data:
                  volume_reference_error: "{{ ansible_failed_result.reference_error }}"
                per_host: false
              when: ansible_failed_result.reference_error is defined
            - name: Stop with the export's failure, unless the volume is moved with force
              ansible.builtin.fail:
                msg: "{{ ansible_failed_result.msg }}"
        - name: Tell the export's outcome
          ansible.builtin.debug:
            msg: "{{ fake_export.msg }}"
          changed_when: fake_export.changed
        - name: Keep the attachment's result
          ansible.builtin.set_fact:
            volume_attachments_result:
              volume: "{{ fake_export.volume }}"
              instance: "{{ instance }}"
        """),
    "volume_detach.yml": _play("Detach a volume", "controller", _fake_op(
        "Detach {{ volume }}", op="detach", volume="'{{ volume }}'"),
        refuse="{volume_reference_attached_to: '{{ instance }}'}"),
    "volume_resize.yml": _play("Resize a volume", "controller", """\
        - name: Resize {{ volume }}
          novavolume.lvm_iscsi.fake_op:
            op: extend
            volume: "{{ volume }}"
            size: "{{ size }}"
            grow_filesystem: "{{ grow_filesystem | default(false) | bool }}"
          register: resize_result
        - name: Show the size
          ansible.builtin.debug:
            msg: "{{ volume }} is {{ size }} GB ({{ resize_result.actions | join(', ') or 'unchanged' }})"
        """, refuse="{}"),
    "volume_delete.yml": _play("Delete a volume", "controller", """\
        - name: Delete {{ volume }}
          novavolume.lvm_iscsi.volume:
            name: "{{ volume }}"
            state: absent
            force: "{{ force | default(false) | bool }}"
        """, refuse="{volume_reference_refuse_in_use: '{{ not force | bool }}'}"),
    "volume_backup.yml": _play("Back up volumes", "controller", """\
        - name: Back up {{ volume | default('all volumes') }}
          novavolume.lvm_iscsi.volume_backup:
            volume: "{{ volume | default(omit) }}"
            all: "{{ volume is not defined }}"
            destination: "{{ destination | default('/srv/backups/volumes') }}"
          register: backup_result
        - name: Show the report
          ansible.builtin.debug:
            msg: "{{ backup_result.report_text.splitlines() }}"
        """, refuse="{}"),
    "volume_backup_verify.yml": _play("Verify the backup repository", "controller", """\
        - name: Check the repository
          novavolume.lvm_iscsi.volume_backup_verify:
            repository: "{{ repository | default('/srv/backups/restic') }}"
            password_file: /etc/novavolume/restic-password
            read_data_subset: "{{ read_data_subset | default('10%') }}"
        """),
    # The controller's play of the real one (with instance, it also carries them over).
    "volume_restore_files.yml": _play("Restore the files on the controller", "controller", """\
        - name: Restore the paths of the backup into {{ destination }}
          novavolume.lvm_iscsi.volume_restore:
            repository: "{{ repository | default('/srv/backups/restic') }}"
            password_file: "{{ password_file | default('/etc/novavolume/restic-password') }}"
            source_volume: "{{ source_volume }}"
            snapshot: "{{ snapshot | default(omit) }}"
            paths: "{{ paths }}"
            member: "{{ member | default(omit) }}"
            destination: "{{ destination }}"
            force: "{{ force | default(false) | bool }}"
          register: restore_files_result
        - name: Show what was restored
          ansible.builtin.debug:
            msg: "{{ restore_files_result.paths | map('regex_replace', '^', destination ~ '/') | list }}"
        """),
    "snapshot_create.yml": _play("Snapshot a volume", "controller", """\
        - name: Snapshot {{ volume }}
          novavolume.lvm_iscsi.volume_snapshot:
            name_template: snap-%08x
            volume: "{{ volume }}"
            display_name: "{{ display_name | default(omit) }}"
            size: "{{ size | default(omit) }}"
        """, refuse="{}"),
    "recover_volume.yml": _play("Recover a volume", "controller", _fake_op(
        "Recover {{ volume }}", op="recover", volume="'{{ volume }}'"), refuse="{}"),
    "troubleshoot.yml": _play("Troubleshoot", "controller[0]", """\
        - name: Check exports and sessions
          novavolume.lvm_iscsi.fake_op:
            op: diagnose
        - name: Record the status for callers
          ansible.builtin.set_stats:
            data:
              troubleshoot_ok: "{{ problems is not defined }}"
              troubleshoot_problems: "{{ [problems] if problems is defined else [] }}"
            per_host: false
        - name: Status
          ansible.builtin.debug:
            msg: "{{ ['STATUS: PROBLEMS FOUND (1 of 1 probe(s))', problems] if problems is defined
                     else ['STATUS: OK: 1 probe(s), every check passed'] }}"
        """, refuse="{}"),
    "lab_up.yml": "---\n- name: Lab up\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
                  "    - name: Start lab {{ lab_name }}\n      ansible.builtin.debug:\n        msg: up\n",
}


def build(root):
    """Write the fake checkout under `root`; returns (inventory path, state path)."""
    collection = os.path.join(root, "collections", "ansible_collections", "novavolume", "lvm_iscsi")
    modules = os.path.join(collection, "plugins", "modules")
    os.makedirs(modules)
    os.makedirs(os.path.join(root, "playbooks"))
    with open(os.path.join(root, "galaxy.yml"), "w") as handle:
        handle.write("namespace: novavolume\nname: lvm_iscsi\nversion: 0.0.1\n")
    with open(os.path.join(collection, "galaxy.yml"), "w") as handle:
        handle.write("namespace: novavolume\nname: lvm_iscsi\nversion: 0.0.1\n")
    with open(os.path.join(root, "ansible.cfg"), "w") as handle:
        handle.write("[defaults]\ncollections_path = ./collections\nhost_key_checking = False\n"
                     "retry_files_enabled = False\ninterpreter_python = auto_silent\n")
    for name, source in (("volume_info.py", VOLUME_INFO), ("volume.py", VOLUME), ("fake_op.py", FAKE_OP),
                         ("volume_backup.py", VOLUME_BACKUP), ("volume_snapshot.py", VOLUME_SNAPSHOT),
                         ("host_state.py", HOST_STATE), ("volume_backup_verify.py", VOLUME_BACKUP_VERIFY),
                         ("volume_backup_info.py", VOLUME_BACKUP_INFO), ("volume_restore.py", VOLUME_RESTORE)):
        with open(os.path.join(modules, name), "w") as handle:
            handle.write(source)
    for name in REAL_FILES:
        target = os.path.join(root if name.startswith("playbooks/") else collection, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(REAL_ROOT, name), target)
    for name, text in PLAYBOOKS.items():
        with open(os.path.join(root, "playbooks", name), "w") as handle:
            handle.write(text)
    local = dict(ansible_connection="local", ansible_python_interpreter=sys.executable)
    inventory = dict(all=dict(children=dict(
        controller=dict(hosts=dict(controller1=local)),
        compute=dict(hosts=dict(compute1=local)),
    )))
    inventory_path = os.path.join(root, "inventory.yml")
    with open(inventory_path, "w") as handle:
        json.dump(inventory, handle)
    return inventory_path, os.path.join(root, "state.json")
