"""Record the runner event fixtures in tests/cli/fixtures/ from real ansible-runner runs
against the fake collection (fakelab.py), so the unit tests replay genuine job events.

    .venv/bin/python tests/cli/record_fixtures.py

Each fixture is {"status", "rc", "events"}: what AnsibleRunner hands to RunResult.
"""

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fakelab  # noqa: E402  (needs the path above)
from novavol.progress import Progress  # noqa: E402
from novavol.runner import AnsibleRunner  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")

MIXED = {
    "volume-00000001": dict(name="volume-00000001", status="in-use", display_name="web data", size=10.0,
                            volume_type=None, attached_to="compute1", mountpoint="/dev/vdb",
                            created_at="2026-11-24T20:28:00Z",
                            status_reason=None),
    "volume-00000007": dict(name="volume-00000007", status="available", display_name="scratch", size=0.5,
                            volume_type="ssd", attached_to=None, mountpoint=None, created_at="2026-11-24T20:29:00Z"),
    "volume-0000001a": dict(name="volume-0000001a", status="error", display_name="scratch", size=20.0,
                            status_reason="its tags say it is attached to compute2, but no export exists",
                            volume_type=None, attached_to=None, mountpoint=None, created_at="2026-11-24T20:30:00Z"),
    "volume-00000009": dict(name="volume-00000009", status="available", display_name="7", size=2,
                            volume_type=None, attached_to=None, mountpoint=None, created_at="2026-11-24T20:31:00Z"),
    "backups": dict(name="backups", status="available", display_name=None, size=50, volume_type=None,
                    attached_to=None, mountpoint=None, created_at="2026-11-24T20:32:00Z"),
}


def save(name, result):
    with open(os.path.join(FIXTURES, name + ".json"), "w") as handle:
        json.dump(dict(status=result.status, rc=result.rc, events=result.events), handle, indent=1, sort_keys=True)
        handle.write("\n")


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    root = tempfile.mkdtemp(prefix="novavol-record-")
    try:
        inventory, state = fakelab.build(os.path.join(root, "checkout"))
        os.environ[fakelab.STATE_ENV] = state
        runner = AnsibleRunner(os.path.join(root, "checkout"), inventory, Progress(sys.stderr, "plain"))
        save("list_empty", runner.module("volume_info", {}))
        save("create_1", runner.module("volume", dict(name_template="volume-%08x", size=10, display_name="my volume",
                                                      state="present")))
        save("list_available", runner.module("volume_info", {}))
        save("reference_available", runner.module("volume_info", dict(reference="1")))
        # Each command on one volume is one run: the playbook resolves what the user typed.
        save("attach", runner.playbook("volume_attach.yml", dict(volume_reference="my volume", instance="compute1",
                                                                 mountpoint="/dev/vdb")))
        save("list_in_use", runner.module("volume_info", {}))
        save("reference_in_use", runner.module("volume_info", dict(reference="1")))
        save("restore_over_in_use", runner.playbook("volume_restore.yml", dict(
            archive="/srv/a.tar.gz", volume_reference="1", force=True)))
        save("attach_elsewhere_refused", runner.playbook("volume_attach.yml", dict(
            volume_reference="1", instance="compute2", mountpoint="/dev/vdc")))
        save("attach_unknown", runner.playbook("volume_attach.yml", dict(
            volume_reference="99", instance="compute1", mountpoint="/dev/vdb")))
        save("detach_elsewhere_refused", runner.playbook("volume_detach.yml", dict(
            volume_reference="1", instance="compute2", force=False)))
        save("delete_in_use_failed", runner.playbook("volume_delete.yml", dict(volume_reference="1", force=False)))
        save("diagnose_problems", runner.playbook("troubleshoot.yml", dict(
            volume_reference="1", problems="volume-00000001 on compute1: no session to the target")))
        save("recover", runner.playbook("recover_volume.yml", dict(volume_reference="my volume")))
        save("detach", runner.playbook("volume_detach.yml", dict(volume_reference="1", instance="compute1",
                                                                 force=False)))
        save("backup", runner.playbook("volume_backup.yml", dict(volume_reference="1")))
        save("backup_all", runner.playbook("volume_backup.yml", {}))
        archive = "/srv/backups/volumes/volume-00000001/volume-00000001_20261124T210000Z.tar.gz"
        save("restore_over_without_force", runner.playbook("volume_restore.yml", dict(
            archive=archive, volume_reference="1", force=False)))
        save("restore_unknown", runner.playbook("volume_restore.yml", dict(
            archive=archive, volume_reference="99", force=True)))
        # A new volume takes the next id after volume-00000001, which is then deleted.
        save("restore_new", runner.playbook("volume_restore.yml", dict(archive=archive, force=False)))
        save("delete", runner.playbook("volume_delete.yml", dict(volume_reference="volume-00000001", force=False)))
        save("diagnose", runner.playbook("troubleshoot.yml", {}))
        save("ping_ok", runner.module("ansible.builtin.ping", {}, host_pattern="controller:compute"))
        # Snapshots and clones of the restored volume-00000002.
        save("snapshot_create", runner.playbook("snapshot_create.yml", dict(volume_reference="2", display_name="before")))
        save("snapshot_list", runner.module("volume_info", {}))
        # The real volume_clone.yml: the fake host has no lvs, so it makes the clone in one call.
        save("create_from_snapshot", runner.playbook("volume_clone.yml", dict(name_template="volume-%08x",
                                                                              source_snapshot="snap-00000001")))
        save("create_from_volume", runner.playbook("volume_clone.yml", dict(name_template="volume-%08x",
                                                                            source_volume="volume-00000002")))
        runner.playbook("volume_attach.yml", dict(volume_reference="2", instance="compute1", mountpoint="/dev/vdb"))
        save("snapshot_revert_in_use", runner.module("volume_snapshot", dict(name="snap-00000001", state="reverted")))
        runner.playbook("volume_detach.yml", dict(volume_reference="2", instance="compute1", force=False))
        save("snapshot_revert", runner.module("volume_snapshot", dict(name="snap-00000001", state="reverted")))
        save("snapshot_delete_missing", runner.module("volume_snapshot", dict(name="snap-00000001", state="absent")))
        runner.playbook("snapshot_create.yml", dict(volume_reference="2"))
        save("snapshot_delete", runner.module("volume_snapshot", dict(name="snap-00000001", state="absent")))
        os.remove(state + ".snapshots")
        # The real service_list.yml over the fake host_state.
        save("service_list", runner.playbook("service_list.yml", {}))
        os.environ[fakelab.UNITS_DOWN_ENV] = "iscsid"
        save("service_list_iscsid_down", runner.playbook("service_list.yml", {}))
        del os.environ[fakelab.UNITS_DOWN_ENV]
        with open(state, "w") as handle:
            json.dump(MIXED, handle)
        save("list_mixed", runner.module("volume_info", {}))
        save("backup_verify_ok", runner.playbook("volume_backup_verify.yml", dict(read_data_subset="all")))
        with open(state, "w") as handle:
            json.dump(dict(MIXED, damaged=MIXED["backups"]), handle)
        save("backup_verify_damaged", runner.playbook("volume_backup_verify.yml", {}))
        with open(state, "w") as handle:
            json.dump(MIXED, handle)
        listing = dict(destination="/srv/backups/volumes", repository="/srv/backups/restic",
                       password_file="/etc/novavolume/restic-password")
        save("backup_list", runner.module("volume_backup_info", dict(listing, volume="volume-00000001")))
        save("backup_list_none", runner.module("volume_backup_info", dict(listing, volume="volume-00000063")))
        save("restore_files", runner.playbook("volume_restore_files.yml", dict(
            source_volume="volume-00000001", paths=["/etc/hosts", "srv/www"], destination="/srv/restores/v1",
            force=False)))
        save("restore_files_missing", runner.playbook("volume_restore_files.yml", dict(
            source_volume="volume-00000001", paths=["etc/missing.conf"], destination="/srv/restores/v1", force=False)))
        save("reference_web_data", runner.module("volume_info", dict(reference="web data")))
        save("reference_unknown", runner.module("volume_info", dict(reference="99")))
        save("delete_ambiguous", runner.playbook("volume_delete.yml", dict(volume_reference="scratch", force=False)))
        save("attach_error_refused", runner.playbook("volume_attach.yml", dict(
            volume_reference="26", instance="compute1", mountpoint="/dev/vdc")))
        save("extend", runner.playbook("volume_resize.yml", dict(volume_reference="web data", size=12,
                                                                 grow_filesystem=True)))
        save("extend_shrink_refused", runner.playbook("volume_resize.yml", dict(volume_reference="web data", size=11,
                                                                                grow_filesystem=False)))
        save("create_after_mixed", runner.module("volume", dict(
            name_template="volume-%08x", size=1, volume_type="ssd", state="present",
            volume_types="{{ novavolume_volume_types | default({}) }}")))
        # An inventory without a controller: Ansible skips the play and the run "succeeds".
        with open(inventory, "w") as handle:
            json.dump(dict(all=dict(children=dict(compute=dict(hosts=dict(compute1=dict(ansible_connection="local")))))),
                      handle)
        save("attach_no_controller", runner.playbook("volume_attach.yml", dict(
            volume_reference="1", instance="compute1", mountpoint="/dev/vdb")))
        # A controller that refuses SSH: the unreachable event of a lab that is down.
        refusing = dict(ansible_host="127.0.0.1", ansible_port=1, ansible_user="root")
        with open(inventory, "w") as handle:
            json.dump(dict(all=dict(children=dict(controller=dict(hosts=dict(controller1=refusing))))), handle)
        save("list_unreachable", runner.module("volume_info", {}))
        save("service_list_unreachable", runner.playbook("service_list.yml", {}))
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
