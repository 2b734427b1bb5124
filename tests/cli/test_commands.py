"""Commands end to end on replayed runs: what they run, what they print, and their exit codes."""

import json

import pytest

LIST_EMPTY = ("module", "volume_info", "list_empty")
LIST_AVAILABLE = ("module", "volume_info", "list_available")
LIST_IN_USE = ("module", "volume_info", "list_in_use")
LIST_MIXED = ("module", "volume_info", "list_mixed")


def test_volume_list_prints_the_table(cli):
    run = cli(["volume-list"], [LIST_IN_USE])
    assert run.code == 0
    assert run.stdout.splitlines()[1] == "| ID | Status | Display Name | Size | Volume Type | Attached to |"
    assert "| 1  | in-use | my volume    | 10   | None        | compute1    |" in run.stdout
    assert run.calls == [("module", "volume_info", {"_hosts": "controller[0]"})]


def test_volume_list_json(cli):
    run = cli(["volume-list", "--json"], [LIST_AVAILABLE])
    assert run.code == 0
    volumes = run.json()["volumes"]
    assert [(v["id"], v["name"], v["status"], v["display_name"], v["size"]) for v in volumes] == [
        (1, "volume-00000001", "available", "my volume", 10)]
    assert "-> volume_info" in run.stderr  # progress on stderr, stdout is only the JSON


def test_vg_is_passed_to_the_modules(cli):
    run = cli(["--vg", "other-vg", "volume-list"], [LIST_EMPTY])
    assert run.calls[0][2]["vg"] == "other-vg"


def test_volume_create_is_one_module_call_that_picks_the_id(cli):
    # The volume module names the volume from nova's template under its lock of new names and
    # returns it as volume_info lists it: no listing before, no read-back after.
    run = cli(["volume-create", "--display-name", "my volume", "10", "--json"], [("module", "volume", "create_1")])
    assert run.code == 0, run.stderr
    assert run.calls == [("module", "volume", dict(name_template="volume-%08x", size=10, display_name="my volume",
                                                   state="present", _hosts="controller[0]"))]
    shown = run.json()
    assert [shown[key] for key in ("id", "name", "status", "display_name")] == [
        1, "volume-00000001", "available", "my volume"]


def test_volume_create_after_id_26_shows_volume_0000001b(cli):
    run = cli(["volume-create", "--volume-type", "ssd", "1"], [("module", "volume", "create_after_mixed")])
    assert run.code == 0, run.stderr
    assert run.calls[0][2]["volume_type"] == "ssd" and "display_name" not in run.calls[0][2]
    # the inventory's volume types, templated on the controller, give the new volume its provisioning
    assert run.calls[0][2]["volume_types"] == "{{ novavolume_volume_types | default({}) }}"
    assert "| id            | 27" in run.stdout and "| name          | volume-0000001b" in run.stdout


def test_volume_create_without_a_record_says_so(cli):
    # A collection whose volume module returns no record (older than name_template's record).
    run = cli(["volume-create", "1"], [("module", "volume", "delete")])
    assert run.code == 1
    assert "the volume was created but not read back: run `novavol volume-list`" in run.stderr


def test_volume_show_by_display_name(cli):
    # One volume_info run that resolves the reference on the controller.
    run = cli(["volume-show", "web data"], [("module", "volume_info", "reference_web_data")])
    assert run.code == 0
    assert run.calls == [("module", "volume_info", {"reference": "web data", "_hosts": "controller[0]"})]
    assert "| name          | volume-00000001" in run.stdout and "| mountpoint    | /dev/vdb" in run.stdout


def test_ambiguous_volume_exits_2_and_changes_nothing(cli):
    # The playbook stops at its first task, the resolution, before anything acts on a volume.
    run = cli(["volume-delete", "scratch"], [("playbook", "volume_delete.yml", "delete_ambiguous")])
    assert run.code == 2
    assert ("ERROR: volume 'scratch' is ambiguous, it matches "
            "7 (volume-00000007 by display name), 26 (volume-0000001a by display name): use the LV name") in run.stderr
    assert run.calls == [("playbook", "volume_delete.yml", dict(volume_reference="scratch", force=False))]


def test_unknown_volume_exits_2(cli):
    run = cli(["volume-show", "99", "--json"], [("module", "volume_info", "reference_unknown")])
    assert run.code == 2
    assert run.json() == {
        "error": "no volume '99': give an id, LV name or display name from `novavol volume-list`",
        "exit_code": 2, "artifacts": "/artifacts/reference_unknown"}


def test_delete_of_an_in_use_volume_is_refused_with_what_to_do(cli):
    run = cli(["volume-delete", "1"], [("playbook", "volume_delete.yml", "delete_in_use_failed")])
    assert run.code == 1
    assert ("ERROR: deleting volume 1 failed: controller1: Find the volume 1: volume 1 (volume-00000001) is "
            "in-use on compute1: detach it first (novavol volume-detach compute1 1), or use force. Nothing was "
            "changed.") in run.stderr
    assert "ansible-runner artifacts (job events): /artifacts/delete_in_use_failed" in run.stderr


def test_delete_force_is_passed_to_the_playbook(cli):
    run = cli(["volume-delete", "--force", "1"], [("playbook", "volume_delete.yml", "delete")])
    assert run.calls == [("playbook", "volume_delete.yml", dict(volume_reference="1", force=True))]
    assert run.code == 0


def test_delete(cli):
    run = cli(["volume-delete", "volume-00000001", "--json"], [("playbook", "volume_delete.yml", "delete")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_delete.yml", dict(volume_reference="volume-00000001", force=False))]
    assert run.json()["deleted"]["name"] == "volume-00000001"


def test_unreachable_controller_exits_1(cli):
    run = cli(["volume-list", "--json"], [("module", "volume_info", "list_unreachable")])
    assert run.code == 1
    error = run.json()
    assert error["exit_code"] == 1 and error["artifacts"] == "/artifacts/list_unreachable"
    assert "Connection refused" in error["error"]


def test_attach_is_one_playbook_run_that_resolves_the_volume(cli):
    run = cli(["volume-attach", "compute1", "my volume", "/dev/vdb", "--json"],
              [("playbook", "volume_attach.yml", "attach")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_attach.yml",
                          dict(volume_reference="my volume", instance="compute1", mountpoint="/dev/vdb"))]
    out = run.json()
    assert (out["id"], out["volumeId"], out["serverId"], out["device"], out["changed"]) == (
        1, "volume-00000001", "compute1", "/dev/vdb", True)


@pytest.mark.parametrize("flag, extra_var", [("--mutual-chap", "mutual_chap"), ("--multipath", "multipath")])
def test_attach_flags_ask_the_playbook_for_them(cli, flag, extra_var):
    run = cli(["volume-attach", "compute1", "1", "/dev/vdb", flag, "--json"],
              [("playbook", "volume_attach.yml", "attach")])
    assert run.code == 0
    expected = dict(volume_reference="1", instance="compute1", mountpoint="/dev/vdb")
    expected[extra_var] = True
    assert run.calls == [("playbook", "volume_attach.yml", expected)]


def test_attach_of_a_volume_in_use_elsewhere_is_refused(cli):
    run = cli(["volume-attach", "compute2", "1", "/dev/vdc"], [("playbook", "volume_attach.yml", "attach_elsewhere_refused")])
    assert run.code == 1
    assert ("volume 1 (volume-00000001) is attached to compute1, not compute2: detach it from compute1 "
            "(novavol volume-detach compute1 1). Nothing was changed.") in run.stderr


def test_attach_of_a_volume_in_error_points_at_diagnose_and_recover(cli):
    run = cli(["volume-attach", "compute1", "26", "/dev/vdc"], [("playbook", "volume_attach.yml", "attach_error_refused")])
    assert run.code == 1
    assert "attaching volume 26 to compute1 failed" in run.stderr
    assert "novavol diagnose 26" in run.stderr and "novavol recover 26" in run.stderr


def test_detach(cli):
    run = cli(["volume-detach", "compute1", "1"], [("playbook", "volume_detach.yml", "detach")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_detach.yml", dict(volume_reference="1", instance="compute1", force=False))]
    assert "detached volume 1 (volume-00000001) from compute1" in run.stderr


def test_detach_from_the_wrong_instance_is_refused(cli):
    run = cli(["volume-detach", "compute2", "1"], [("playbook", "volume_detach.yml", "detach_elsewhere_refused")])
    assert run.code == 1
    assert "is attached to compute1, not compute2: detach it from compute1 (novavol volume-detach compute1 1)" \
        in run.stderr


def test_backup_one(cli):
    run = cli(["volume-backup", "1", "--json"], [("playbook", "volume_backup.yml", "backup")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_backup.yml", dict(volume_reference="1"))]
    out = run.json()
    assert out["volume"] == "volume-00000001" and out["changed"] is True
    assert out["backup"]["archives"] == [
        "/srv/backups/volumes/volume-00000001/volume-00000001_20261124T210000Z.tar.gz"]
    assert out["reports"][0]["lines"][0] == "backup report"


def test_backup_all_reads_nothing_first_and_prints_the_report(cli):
    run = cli(["volume-backup", "--all", "--destination", "/srv/b"], [("playbook", "volume_backup.yml", "backup_all")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_backup.yml", dict(destination="/srv/b"))]
    assert run.stdout.splitlines()[0] == "[controller1]"
    assert "  OK   /srv/backups/volumes/volume-00000001/volume-00000001_20261124T210000Z.tar.gz" in run.stdout


def test_backup_verify_of_a_sound_repository(cli):
    run = cli(["backup-verify", "--read-data-subset", "all", "--json"],
              [("playbook", "volume_backup_verify.yml", "backup_verify_ok")])
    assert run.code == 0
    assert run.calls == [("playbook", "volume_backup_verify.yml", dict(read_data_subset="all"))]
    out = run.json()
    assert (out["ok"], out["read_data_subset"], out["damaged_packs"], out["affected_backups"]) == (True, "100%", [], [])


def test_backup_verify_that_finds_damage_names_it_and_the_backups_it_touches(cli):
    run = cli(["backup-verify"], [("playbook", "volume_backup_verify.yml", "backup_verify_damaged")])
    assert run.calls == [("playbook", "volume_backup_verify.yml", {})]
    assert run.code == 1
    assert ("ERROR: verifying the backup repository failed: controller1: Check the repository: the repository "
            "/srv/backups/restic has 1 damaged pack(s); "
            "they touch 4566b95e of volume-00000001 (2026-11-24T21:00:00Z)") in run.stderr


def test_diagnose_without_volume_reads_nothing_first(cli):
    run = cli(["diagnose"], [("playbook", "troubleshoot.yml", "diagnose")])
    assert run.code == 0
    assert run.calls == [("playbook", "troubleshoot.yml", {})]
    assert "  STATUS: OK: 1 probe(s), every check passed" in run.stdout


def test_diagnose_that_finds_problems_prints_them_and_exits_1(cli):
    run = cli(["diagnose", "1"], [("playbook", "troubleshoot.yml", "diagnose_problems")])
    assert run.calls == [("playbook", "troubleshoot.yml", dict(volume_reference="1"))]
    assert run.code == 1
    assert "STATUS: PROBLEMS FOUND" in run.stdout
    assert "ERROR: problems found: volume-00000001 on compute1: no session to the target" in run.stderr


def test_restore_into_a_new_volume_is_one_run_that_names_it(cli):
    archive = "/srv/backups/volumes/volume-00000001/volume-00000001_20261124T210000Z.tar.gz"
    run = cli(["volume-restore", archive, "--json"], [("playbook", "volume_restore.yml", "restore_new")])
    # no listing before or after: the module picks the next id and returns the volume it made
    assert run.calls == [("playbook", "volume_restore.yml", dict(archive=archive, force=False))]
    assert run.code == 0
    assert json.loads(run.stdout)["volume"]["name"] == "volume-00000002"
    assert "into volume 2 (volume-00000002)" in run.stderr


def test_restore_over_a_volume_needs_force(cli):
    run = cli(["volume-restore", "/srv/a.tar.gz", "1"], [("playbook", "volume_restore.yml", "restore_over_without_force")])
    expected = dict(archive="/srv/a.tar.gz", force=False, volume_reference="1")
    assert run.calls == [("playbook", "volume_restore.yml", expected)]
    assert run.code == 1
    assert "volume volume-00000001 exists; set force: true to overwrite it" in run.stderr


def test_restore_over_an_attached_volume_is_refused_even_with_force(cli):
    run = cli(["volume-restore", "/srv/a.tar.gz", "1", "--force"], [("playbook", "volume_restore.yml", "restore_over_in_use")])
    assert run.code == 1
    assert "volume volume-00000001 is attached or in use (compute1); detach it before restoring into it" in run.stderr


def test_restore_over_an_unknown_volume_is_a_usage_error(cli):
    run = cli(["volume-restore", "/srv/a.tar.gz", "99", "--force"], [("playbook", "volume_restore.yml", "restore_unknown")])
    assert run.code == 2
    assert "no volume '99'" in run.stderr


def test_recover(cli):
    run = cli(["recover", "my volume"], [("playbook", "recover_volume.yml", "recover")])
    assert run.code == 0
    assert run.calls == [("playbook", "recover_volume.yml", dict(volume_reference="my volume"))]
    assert "recovered volume 1" in run.stderr


def test_lab_status_up(cli, tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("{}")
    run = cli(["-i", str(inventory), "lab", "status", "--json"], [("module", "ansible.builtin.ping", "ping_ok")])
    assert run.code == 0
    status = run.json()
    assert status["up"] is True and sorted(h["host"] for h in status["hosts"]) == ["compute1", "controller1"]
    assert run.calls[0][2]["_hosts"] == "controller:compute"


def test_lab_status_without_inventory_is_down_and_exits_1(cli, tmp_path):
    run = cli(["-i", str(tmp_path / "missing.yml"), "lab", "status"])
    assert run.code == 1
    assert run.stdout.startswith("lab novalab is down")
    assert "start it with `novavol lab up`" in run.stderr


def test_missing_inventory_is_a_usage_error_with_the_fix(monkeypatch, tmp_path, capsys):
    from novavol.main import main

    monkeypatch.setenv("NOVAVOL_ROOT", str(tmp_path))
    (tmp_path / "galaxy.yml").write_text("namespace: novavolume\nname: lvm_iscsi\n")
    code = main(["-i", str(tmp_path / "nowhere.yml"), "volume-list"])
    assert code == 2
    assert "no inventory at %s: bring the lab up with `novavol lab up` or pass -i INVENTORY" % (
        tmp_path / "nowhere.yml") in capsys.readouterr().err


def test_json_error_is_valid_json_on_stdout(cli):
    run = cli(["--json", "volume-delete", "1"], [("playbook", "volume_delete.yml", "delete_in_use_failed")])
    assert json.loads(run.stdout)["error"].startswith("deleting volume 1 failed: controller1: Find the volume 1")


def test_an_inventory_folder_with_only_group_vars_is_no_inventory(tmp_path):
    from novavol.runner import inventory_exists

    (tmp_path / "group_vars").mkdir()
    assert not inventory_exists(str(tmp_path))
    (tmp_path / "hosts.yml").write_text("{}")
    assert inventory_exists(str(tmp_path))
    assert not inventory_exists(str(tmp_path / "missing.yml"))


def test_missing_volume_group_says_to_run_site_yml(cli):
    # Recorded on a lab whose controller was not set up yet (the real volume_info module).
    run = cli(["volume-list"], [("module", "volume_info", "lab_list_no_vg")])
    assert run.code == 1
    assert ("ERROR: reading the volumes failed: controller: novavolume.lvm_iscsi.volume_info: volume group "
            "nova-volumes does not exist on this host (set the controller up first: ansible-playbook "
            "playbooks/site.yml)") in run.stderr


def test_each_inventory_gets_its_own_ssh_control_path_dir(tmp_path):
    from novavol.progress import Progress
    from novavol.runner import AnsibleRunner

    def control_dir(inventory):
        return AnsibleRunner(str(tmp_path), inventory, Progress(None, "quiet")).envvars()["ANSIBLE_SSH_CONTROL_PATH_DIR"]

    assert control_dir("/var/tmp/novavolume-lab/cli/inventory.yml") != control_dir(
        "/var/tmp/novavolume-lab/attach/inventory.yml")
    assert control_dir("/x/inventory.yml") == control_dir("/x/inventory.yml")


def test_volume_create_thin_asks_the_module_for_it(cli):
    run = cli(["volume-create", "--provisioning", "thin", "10", "--json"], [("module", "volume", "create_1")])
    assert run.code == 0, run.stderr
    assert run.calls == [("module", "volume", dict(name_template="volume-%08x", size=10, provisioning="thin",
                                                   state="present", _hosts="controller[0]"))]


# Recorded on the lab after the lifecycle scenario: a thin volume in each of two thin pools, the
# small one filled to 96.75% (tests/cli/fixtures/lab_list_thin.json).
LIST_THIN = ("module", "volume_info", "lab_list_thin")


def test_pool_list_prints_each_pool_with_its_state(cli):
    run = cli(["pool-list"], [LIST_THIN])
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1] == ("| Name              | Size | Data % | Metadata % | Virtual Size | Ratio | Volumes | State   "
                        "| Reason                            |")
    assert lines[3] == ("| full-pool         | 0.3  | 96.75  | 12.89      | 1            | 3.32  | 1       | warning "
                        "| its data use is 96.75%, above 80% |")
    assert lines[4].startswith("| nova-volumes-pool | 2    | 0.78   | 11.33      | 2            | 1.0   | 1       | ok ")


def test_pool_list_json(cli):
    run = cli(["pool-list", "--json"], [LIST_THIN])
    assert [(p["name"], p["state"]) for p in run.json()["pools"]] == [("full-pool", "warning"), ("nova-volumes-pool", "ok")]


def test_volume_list_of_thin_volumes_shows_their_provisioning(cli):
    run = cli(["volume-list"], [LIST_THIN])
    assert run.stdout.splitlines()[1] == "| ID | Status    | Display Name | Size | Volume Type | Provisioning | Attached to |"
    assert "| 3  | available | None         | 1    | None        | thin         |             |" in run.stdout
    assert "pool" not in run.stdout  # thin pools are never listed as volumes


def test_attach_with_no_controller_in_the_inventory_says_so(cli):
    # The play matches no host, which Ansible counts as a success: nothing was resolved.
    run = cli(["volume-attach", "compute1", "1", "/dev/vdb"], [("playbook", "volume_attach.yml", "attach_no_controller")])
    assert run.code == 1
    assert "has no host in group controller" in run.stderr


def test_attach_of_an_unknown_volume_exits_2_with_the_exports_message(cli):
    """The attach resolves the reference in its export, whose result is hidden (no_log): the
    run's stats say the reference was not found, and the message comes from the task that stops."""
    run = cli(["volume-attach", "compute1", "99", "/dev/vdb", "--json"], [("playbook", "volume_attach.yml", "attach_unknown")])
    assert run.code == 2
    assert run.json()["error"] == "no volume '99': give an id, LV name or display name from `novavol volume-list`"


# ---- snapshots and clones (fixtures recorded against fakelab's volume_snapshot) -------------

def test_snapshot_create_is_one_run_that_resolves_the_volume(cli):
    run = cli(["snapshot-create", "2", "--display-name", "before"], [("playbook", "snapshot_create.yml", "snapshot_create")])
    assert run.code == 0, run.stderr
    assert run.calls == [("playbook", "snapshot_create.yml", dict(volume_reference="2", display_name="before"))]
    lines = run.stdout.splitlines()
    assert [line.split("|")[1].strip() for line in lines[3:7]] == ["id", "name", "volume_id", "origin"]
    assert "| name          | snap-00000001" in run.stdout and "| volume_id     | 2 " in run.stdout
    assert "| display_name  | before" in run.stdout


def test_snapshot_create_of_a_thick_volume_passes_the_size(cli):
    run = cli(["snapshot-create", "my volume", "--size", "1", "--json"], [("playbook", "snapshot_create.yml", "snapshot_create")])
    assert run.calls == [("playbook", "snapshot_create.yml", dict(volume_reference="my volume", size=1))]
    assert run.json()["id"] == 1 and run.json()["origin"] == "volume-00000002"


def test_snapshot_list_prints_novas_table(cli):
    run = cli(["snapshot-list"], [("module", "volume_info", "snapshot_list")])
    assert run.code == 0, run.stderr
    assert run.calls == [("module", "volume_info", {"_hosts": "controller[0]"})]
    assert run.stdout.splitlines()[1:4] == [
        "| ID | Volume ID | Status    | Display Name | Size |",
        "+----+-----------+-----------+--------------+------+",
        "| 1  | 2         | available | before       | 1    |"]


def test_snapshot_list_json(cli):
    run = cli(["snapshot-list", "--json"], [("module", "volume_info", "snapshot_list")])
    assert [(s["id"], s["name"], s["volume_id"], s["origin"]) for s in run.json()["snapshots"]] == [
        (1, "snap-00000001", 2, "volume-00000002")]


def test_volume_create_from_a_snapshot_by_id(cli):
    # A clone is playbooks/volume_clone.yml, which makes a clone that copies nothing in one call.
    run = cli(["volume-create", "--snapshot-id", "1"], [("playbook", "volume_clone.yml", "create_from_snapshot")])
    assert run.code == 0, run.stderr
    assert run.calls == [("playbook", "volume_clone.yml",
                          dict(name_template="volume-%08x", source_snapshot="snap-00000001"))]
    assert "| id            | 3" in run.stdout and "| size          | 1 " in run.stdout
    assert not [line for line in run.stderr.splitlines() if line.split()[:1] in (["copying"], ["copied"])]


def test_volume_create_from_a_volume_by_lv_name(cli):
    run = cli(["volume-create", "--source-volid", "volume-00000002", "--json"],
              [("playbook", "volume_clone.yml", "create_from_volume")])
    assert run.code == 0, run.stderr
    assert run.calls[0][2]["source_volume"] == "volume-00000002" and "size" not in run.calls[0][2]
    assert run.json()["name"] == "volume-00000004"


def test_volume_create_clone_passes_type_and_provisioning_to_the_playbook(cli):
    run = cli(["volume-create", "--source-volid", "2", "--volume-type", "fast", "--provisioning", "thick",
               "--display-name", "copy"], [("playbook", "volume_clone.yml", "create_from_volume")])
    assert run.code == 0, run.stderr
    # The playbook reads the inventory's volume types itself.
    assert run.calls[0][2] == dict(name_template="volume-%08x", source_volume="volume-00000002", volume_type="fast",
                                   provisioning="thick", display_name="copy")


# A thick 1 GiB volume copied on the lab through the real volume_clone.yml (async, polled), as
# `novavol volume-create --source-volid 1 --display-name copy1` ran it
# (tests/cli/fixtures/lab_create_thick_clone.json).
THICK_CLONE = ("playbook", "volume_clone.yml", "lab_create_thick_clone")


def test_volume_create_thick_clone_shows_the_copy_progress_on_stderr(cli):
    run = cli(["volume-create", "--source-volid", "1", "--display-name", "copy1"], [THICK_CLONE])
    assert run.code == 0, run.stderr
    copying = [line.split(None, 2) for line in run.stderr.splitlines() if line.split()[:1] in (["copying"], ["copied"])]
    # Each tenth of the way reached by a poll, once; then the module's own figures.
    assert copying == [
        ["copying", "controller1", "0% (0 B of 1.0 GiB)"],
        ["copying", "controller1", "25% (256.0 MiB of 1.0 GiB), 160.0 MiB/s"],
        ["copying", "controller1", "50% (512.0 MiB of 1.0 GiB), 138.4 MiB/s"],
        ["copying", "controller1", "75% (768.0 MiB of 1.0 GiB), 123.9 MiB/s"],
        ["copied", "controller1", "100% (1.0 GiB of 1.0 GiB) in 8.7 s, 117.7 MiB/s"],
    ]
    # stdout holds only the new volume's table.
    assert "copy" not in run.stdout.replace("copy1", "")
    assert "| name               | volume-00000027" in run.stdout and "| display_name       | copy1" in run.stdout


def test_volume_create_thick_clone_json_and_quiet_show_no_progress(cli):
    run = cli(["volume-create", "--source-volid", "1", "--json", "-q"], [THICK_CLONE])
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    assert run.json()["name"] == "volume-00000027" and run.json()["provisioning"] == "thick"


def test_volume_create_needs_a_size_or_one_source(cli, capsys):
    assert cli(["volume-create"]).code == 2
    assert "give SIZE_GB, or a source: --snapshot-id or --source-volid" in capsys.readouterr().err
    run = cli(["volume-create", "--snapshot-id", "1", "--source-volid", "2"])
    assert run.code == 2 and run.calls == []
    assert "give one source: --snapshot-id or --source-volid" in capsys.readouterr().err


def test_snapshot_revert_of_an_attached_volume_is_refused(cli):
    run = cli(["snapshot-revert", "1"], [("module", "volume_snapshot", "snapshot_revert_in_use")])
    assert run.code == 1
    assert run.calls == [("module", "volume_snapshot", dict(name="snap-00000001", state="reverted", _hosts="controller[0]"))]
    assert ("refusing to revert volume volume-00000002 to snapshot snap-00000001 while it is in use: its tags record "
            "it as attached to compute1 (detach it first") in run.stderr


def test_snapshot_revert(cli):
    run = cli(["snapshot-revert", "snap-00000001"], [("module", "volume_snapshot", "snapshot_revert")])
    assert run.code == 0, run.stderr
    assert "reverted volume volume-00000002 to snapshot snap-00000001 (the snapshot is used up by the merge)" in run.stderr


def test_snapshot_delete(cli):
    run = cli(["snapshot-delete", "1", "--json"], [("module", "volume_snapshot", "snapshot_delete")])
    assert run.code == 0, run.stderr
    assert run.calls == [("module", "volume_snapshot", dict(name="snap-00000001", state="absent", _hosts="controller[0]"))]
    assert run.json()["deleted"]["volume"] == "volume-00000002"


def test_snapshot_delete_of_a_missing_snapshot_fails(cli):
    run = cli(["snapshot-delete", "1"], [("module", "volume_snapshot", "snapshot_delete_missing")])
    assert run.code == 1
    assert "no snapshot '1': give an id or LV name from `novavol snapshot-list`" in run.stderr


def test_backup_list_is_one_module_call_and_prints_the_points(cli):
    run = cli(["backup-list", "1"], [("module", "volume_backup_info", "backup_list")])
    assert run.code == 0, run.stderr
    # the id through nova's template: no listing first, so a deleted volume's backups are found too
    assert run.calls == [("module", "volume_backup_info", dict(
        volume="volume-00000001", destination="/srv/backups/volumes", repository="/srv/backups/restic",
        password_file="/etc/novavolume/restic-password", _hosts="controller[0]"))]
    lines = run.stdout.splitlines()
    assert lines[1] == "| Time                | Format     | Content | Size     | Added    | ID" + " " * 37 + " |"
    assert lines[3] == "| 2026-11-22 21:00:00 | archive    | files   | 12.5 MiB | 12.5 MiB | " \
                       "volume-00000001_20261122T210000Z.tar.gz |"
    assert lines[5].startswith("| 2026-11-24 21:00:00 | repository | files   | 14.0 MiB | 2.0 MiB  | 5566b95e")


def test_backup_list_json_and_options(cli):
    run = cli(["backup-list", "volume-00000001", "--repository", "/srv/other", "--password-file", "/etc/pw", "--json"],
              [("module", "volume_backup_info", "backup_list")])
    assert run.code == 0, run.stderr
    assert run.calls[0][2]["repository"] == "/srv/other" and run.calls[0][2]["password_file"] == "/etc/pw"
    shown = run.json()
    assert shown["volume"] == "volume-00000001" and shown["repository_found"] is True
    assert [(b["format"], b["id"], b["added"]) for b in shown["backups"]] == [
        ("archive", "volume-00000001_20261122T210000Z.tar.gz", 13107200), ("repository", "4566b95e", 12583000),
        ("repository", "5566b95e", 2097152)]


def test_backup_list_of_a_volume_without_backups_says_so(cli):
    run = cli(["backup-list", "99"], [("module", "volume_backup_info", "backup_list_none")])
    assert run.code == 0, run.stderr
    assert run.calls[0][2]["volume"] == "volume-00000063"
    assert "no backup of volume volume-00000063 in /srv/backups/volumes or /srv/backups/restic" in run.stderr


def test_restore_files_is_one_playbook_run(cli):
    run = cli(["restore-files", "1", "/etc/hosts", "srv/www", "--destination", "/srv/restores/v1"],
              [("playbook", "volume_restore_files.yml", "restore_files")])
    assert run.code == 0, run.stderr
    assert run.calls == [("playbook", "volume_restore_files.yml", dict(
        source_volume="volume-00000001", paths=["/etc/hosts", "srv/www"], destination="/srv/restores/v1", force=False))]
    assert "  /srv/restores/v1/etc/hosts" in run.stdout and "  /srv/restores/v1/srv/www" in run.stdout
    assert "restored etc/hosts, srv/www of volume volume-00000001 (backup 5566b95e) into /srv/restores/v1" in run.stderr


def test_restore_files_onto_a_compute_host_with_options(cli):
    run = cli(["restore-files", "volume-00000001", "etc/hosts", "--destination", "/srv/restores/v1", "--instance",
               "compute2", "--snapshot", "5566b95e", "--member", "part1", "--force", "--json"],
              [("playbook", "volume_restore_files.yml", "restore_files")])
    assert run.code == 0, run.stderr
    assert run.calls[0][2] == dict(source_volume="volume-00000001", paths=["etc/hosts"], destination="/srv/restores/v1",
                                   force=True, instance="compute2", snapshot="5566b95e", member="part1")
    shown = run.json()
    assert (shown["instance"], shown["member"], shown["snapshot_id"][:8]) == ("compute2", "part1", "5566b95e")


def test_restore_files_of_a_path_not_in_the_backup_fails_with_its_message(cli):
    run = cli(["restore-files", "1", "etc/missing.conf", "--destination", "/srv/restores/v1"],
              [("playbook", "volume_restore_files.yml", "restore_files_missing")])
    assert run.code == 1
    assert ("restoring files of volume 1 into /srv/restores/v1 failed: controller1: Restore the paths of the backup "
            "into /srv/restores/v1: snapshot 5566b95e of volume-00000001 has no etc/missing.conf") in run.stderr
