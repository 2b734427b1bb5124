"""After the walkthrough and the side effects: nothing is left behind, and what stays is private."""

import os

import pytest

BACKEND = os.environ.get("NOVAVOLUME_TARGET_BACKEND", "lio")
# myvolume, negvolume: this scenario's (and molecule/roles_tgt's); pathvolume, singlevolume:
# molecule/faults', which runs these checks too.
VOLUMES = ("myvolume", "negvolume", "pathvolume", "singlevolume")
# Volumes the scenario's desired state keeps attached (molecule/roles_tgt runs these checks
# after site.yml attached volume-00000001 to compute1): their disks are expected, no other.
KEPT = os.environ.get("NOVAVOLUME_KEPT_ATTACHMENTS", "").split()


def test_no_session_or_node_record_left(host):
    if not host.backend.get_hostname().startswith("compute"):
        pytest.skip("compute hosts only")
    with host.sudo():
        sessions = host.run("iscsiadm -m session").stdout
        records = host.run("iscsiadm -m node").stdout
    for volume in VOLUMES:
        assert volume not in sessions
        assert volume not in records
    links = [link for link in host.file("/dev/disk/by-path").listdir() if "iscsi" in link]
    assert not [link for link in links if not any(":%s-lun-" % volume in link for volume in KEPT)], links


def test_no_volume_or_export_left(host):
    if host.backend.get_hostname() != "controller1":
        pytest.skip("controller only")
    with host.sudo():
        lvs = host.check_output("lvs --noheadings -o lv_name nova-volumes")
        if BACKEND == "lio":
            exports = host.check_output(
                "python3 -c \"import rtslib_fb; print([t.wwn for t in rtslib_fb.FabricModule('iscsi').targets])\""
            )
            saved = host.file("/etc/rtslib-fb-target/saveconfig.json")
            assert saved.mode == 0o600
            assert not any(volume in saved.content_string for volume in VOLUMES)
        else:
            exports = host.check_output("tgtadm --lld iscsi --mode target --op show")
            assert not any(host.file("/etc/tgt/conf.d/%s.conf" % volume).exists for volume in VOLUMES)
    for volume in VOLUMES:
        assert volume not in lvs
        assert volume not in exports


def test_only_this_scenarios_backend_listens(host):
    if host.backend.get_hostname() != "controller1":
        pytest.skip("controller only")
    tgt = host.service("tgt")
    assert tgt.is_running == (BACKEND == "tgt")


def test_no_multipath_map_left(host):
    """The multipath detach of molecule/faults removed its map (with the paths' sessions, checked above)."""
    if not host.backend.get_hostname().startswith("compute"):
        pytest.skip("compute hosts only")
    with host.sudo():
        maps = host.run("dmsetup ls --target multipath")
    assert maps.rc == 0 and maps.stdout.strip() == "No devices found", maps.stdout


def test_multipath_host_fails_paths_over_quickly(host):
    """A host with the iscsi_initiator role's multipath (compute1 in molecule/faults, with 5 s) gives
    new node records a short replacement_timeout; the others keep open-iscsi's."""
    if not host.backend.get_hostname().startswith("compute"):
        pytest.skip("compute hosts only")
    lines = [line for line in host.file("/etc/iscsi/iscsid.conf").content_string.splitlines()
             if line.startswith("node.session.timeo.replacement_timeout")]
    expected = "5" if host.file("/etc/multipath.conf").exists else "120"
    assert lines == ["node.session.timeo.replacement_timeout = " + expected], lines
