"""A stand-in for the collection and the lab, so the CLI can be run for real through
ansible-runner without UML guests: a checkout root with the real CLI's layout (galaxy.yml,
ansible.cfg, collections/, playbooks/) whose modules keep the volumes in a JSON file.

Used by test_runner_integration.py and to record the event fixtures (record_fixtures.py).
The fake modules mirror the interfaces the CLI codes against: `volume` (name or name_template,
display_name, size, volume_type, vg, state, force, create_only; with name_template the new
volume's record) and `volume_info` (volumes with name, status,
display_name, size, volume_type, attached_to, mountpoint; `reference` resolved by the real
module_utils/volume_reference.py). The playbooks that act on one volume resolve
`volume_reference` with the real playbooks/tasks/volume_reference.yml, as the real ones do.
"""

import json
import os
import shutil
import sys
import textwrap

# The real checkout: the pieces the fake uses as they are.
REAL_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_FILES = ("plugins/module_utils/volume_reference.py", "plugins/module_utils/validation.py",
              "playbooks/tasks/volume_reference.yml")

STATE_ENV = "NOVAVOL_FAKE_STATE"

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
''' % (STATE_ENV, STATE_ENV)

VOLUME_INFO = _MODULE_HEAD + '''
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.volume_reference import (
    NameTemplate, UnresolvedReference, resolve)


def main():
    module = AnsibleModule(dict(vg=dict(type="str", default="nova-volumes"), name=dict(type="str"),
                                reference=dict(type="str"), name_template=dict(type="str", default="volume-%08x"),
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
    module.exit_json(changed=False, volumes=volumes, snapshots=[],
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
        size=dict(type="raw"),
        vg=dict(type="str", default="nova-volumes"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
        create_only=dict(type="bool", default=False),
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
    size = float(params["size"])
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

# Attach, detach, recover and diagnose in one fake: each playbook calls it
# with its operation, so the CLI's playbook commands see real task events.
FAKE_OP = _MODULE_HEAD + '''

def main():
    module = AnsibleModule(dict(
        op=dict(type="str", required=True),
        volume=dict(type="str"),
        force=dict(type="bool", default=False),
        instance=dict(type="str"),
        mountpoint=dict(type="str"),
    ))
    params = module.params
    volumes = load()
    if params["op"] == "diagnose":
        module.exit_json(changed=False, msg="%d volume(s) checked, no problems found" % len(volumes))
    volume = volumes.get(params["volume"])
    if volume is None:
        module.fail_json(msg="volume %s not found in VG nova-volumes" % params["volume"])
    if params["op"] == "attach":
        if volume["status"] == "in-use":
            module.exit_json(changed=False)
        volume.update(status="in-use", attached_to=params["instance"], mountpoint=params["mountpoint"])
    elif params["op"] == "detach":
        if volume["status"] != "in-use":
            module.exit_json(changed=False)
        volume.update(status="available", attached_to=None, mountpoint=None)
    elif params["op"] == "restore":
        module.exit_json(changed=True, msg="restored")
    save(volumes)
    module.exit_json(changed=True, msg="%s %s done" % (params["op"], params["volume"]))


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
    "volume_attach.yml": _play("Attach a volume", "controller", _fake_op(
        "Attach {{ volume }} to {{ instance }}", op="attach", volume="'{{ volume }}'", instance="'{{ instance }}'",
        mountpoint="'{{ mountpoint }}'"),
        refuse="{volume_reference_refuse_error: true, volume_reference_attached_to: '{{ instance }}'}"),
    "volume_detach.yml": _play("Detach a volume", "controller", _fake_op(
        "Detach {{ volume }}", op="detach", volume="'{{ volume }}'"),
        refuse="{volume_reference_attached_to: '{{ instance }}'}"),
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
    "volume_restore.yml": _play("Restore a volume from a backup", "controller", """\
        - name: Restore {{ archive }} into {{ name }}
          novavolume.lvm_iscsi.volume:
            name: "{{ name }}"
            size: 1
            display_name: restored
          register: restore_result
        - name: Show the restored volume
          ansible.builtin.debug:
            var: restore_result.volume
        """),
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
                         ("volume_backup.py", VOLUME_BACKUP), ("volume_backup_verify.py", VOLUME_BACKUP_VERIFY)):
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
