"""Checks after converge.yml of the backup scenario (issue 8), on the controller: the nightly
service and timer, good backups that `sha1sum -c` verifies, and nothing left behind by the
failing runs (no backup snapshot, no partition map, no mount)."""

import json

import testinfra.utils.ansible_runner  # noqa: F401  (the verifier's ansible backend)

DESTINATION = "/srv/backups/volumes"
SOURCE = "bksrc"


def test_tools_and_script_installed(host):
    for package in ("kpartx", "pigz", "zstd", "lvm2"):
        assert host.package(package).is_installed
    script = host.file("/usr/local/sbin/novavolume-backup")
    assert script.exists and script.mode == 0o755
    # One executable zip archive: the script and the module_utils it imports.
    listing = host.check_output("python3 -m zipfile -l /usr/local/sbin/novavolume-backup")
    for member in ("__main__.py", "ansible_collections/novavolume/lvm_iscsi/plugins/module_utils/backup.py"):
        assert member in listing
    config = json.loads(host.file("/etc/novavolume/backup.json").content_string)
    assert config["all"] is True and config["destination"] == DESTINATION


def test_timer_enabled(host):
    timer = host.service("novavolume-backup.timer")
    assert timer.is_enabled and timer.is_running


def test_every_backup_is_good_and_verifies(host):
    folder = "%s/%s" % (DESTINATION, SOURCE)
    manifests = host.run("ls %s/*.json", folder).stdout.split()
    assert manifests
    for path in manifests:
        manifest = json.loads(host.file(path).content_string)
        assert manifest["volume"] == SOURCE and manifest["tool_version"]
        check = host.run("cd %s && sha1sum -c %s", folder, manifest["checksum_file"])
        assert check.rc == 0, check.stdout + check.stderr
        assert [fs["fstype"] for fs in manifest["layout"]["filesystems"]] == ["ext3", "swap"]
    assert not host.run("ls -A %s | grep '^\\.'", folder).stdout.strip(), "temp files left"


def test_nothing_left_behind(host):
    with host.sudo():
        assert "-nvbk" not in host.check_output("lvs --noheadings -o lv_name nova-volumes")
        assert "nvbk" not in host.check_output("dmsetup ls")
        assert "nvrs" not in host.check_output("dmsetup ls")
    assert "novavolume-backup" not in host.file("/proc/mounts").content_string
