"""Checks of playbooks/site.yml on the lab (issue 4), run by molecule's testinfra verifier.

The controller: packages, the target service, the portal listening on its storage address (held by the
chosen backend), the Linux LVM partition on the lab disk, its PV, the VG's name and size and the
LVM filter at work. The compute hosts: open-iscsi, iscsid, boot-time login, and InitiatorNames
that are valid, unique and no longer the one they shared as clones.
"""

import json
import os

import pytest
import testinfra

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation, volume_meta

BACKEND = os.environ.get("NOVAVOLUME_TARGET_BACKEND", "lio")
LAB_INVENTORY = "/var/tmp/novavolume-lab/%s/inventory.yml" % os.environ.get("NOVALAB_NAME", "roles")
VG = "nova-volumes"
LIO_PORTAL_IQN = "iqn.2010-10.org.openstack.novavolume:portal"
MIB = 1024 ** 2

TARGET_PACKAGES = {"lio": ["targetcli-fb", "python3-rtslib-fb"], "tgt": ["tgt"]}
TARGET_SERVICES = {"lio": "rtslib-fb-targetctl", "tgt": "tgt"}


def in_group(host, group):
    return group in host.ansible.get_variables().get("group_names", [])


@pytest.fixture
def controller(host):
    if not in_group(host, "controller"):
        pytest.skip("controller check")
    return host


@pytest.fixture
def compute(host):
    if not in_group(host, "compute"):
        pytest.skip("compute check")
    return host


def lab_disk(host):
    return host.ansible.get_variables()["lab_extra_disk"]


def out(host, command, *args):
    return host.check_output(command, *args).strip()


# The controller ------------------------------------------------------------------------------

@pytest.mark.parametrize("package", ["lvm2", "parted"] + TARGET_PACKAGES[BACKEND])
def test_controller_packages(controller, package):
    assert controller.package(package).is_installed


def test_target_service_enabled_and_running(controller):
    service = controller.service(TARGET_SERVICES[BACKEND])
    assert service.is_enabled
    assert service.is_running


def test_other_backend_stopped_and_disabled(controller):
    for backend, name in TARGET_SERVICES.items():
        if backend != BACKEND:
            service = controller.service(name)
            assert not service.is_running, name
            assert not service.is_enabled, name


def portal(controller):
    """The shared inventory binds the portal to the controller's storage address."""
    return "%s:3260" % controller.ansible.get_variables()["storage_address"]


def test_portal_listens_on_the_storage_address_only(controller):
    assert controller.socket("tcp://%s" % portal(controller)).is_listening
    assert not controller.socket("tcp://0.0.0.0:3260").is_listening


def test_portal_is_held_by_the_backend(controller):
    """The listener is the chosen backend's: LIO's portal in configfs, or tgtd's process."""
    tgtd = controller.run("pgrep -a -x tgtd").stdout.strip()
    if BACKEND == "lio":
        tpg = "/sys/kernel/config/target/iscsi/%s/tpgt_1" % LIO_PORTAL_IQN
        assert controller.file("%s/np/%s" % (tpg, portal(controller))).is_directory
        assert out(controller, "cat %s/enable", tpg) == "1"
        assert not tgtd
    else:
        assert tgtd
        assert "--iscsi portal=%s" % portal(controller) in tgtd


def test_lio_portal_target_serves_nobody(controller):
    if BACKEND != "lio":
        pytest.skip("LIO only")
    tpg = "/sys/kernel/config/target/iscsi/%s/tpgt_1" % LIO_PORTAL_IQN
    assert out(controller, "cat %s/attrib/generate_node_acls", tpg) == "0"
    assert out(controller, "cat %s/attrib/demo_mode_discovery", tpg) == "0"
    assert out(controller, "find %s/lun %s/acls -mindepth 1 -maxdepth 1", tpg, tpg) == ""


def test_lio_comes_back_at_boot(controller):
    if BACKEND != "lio":
        pytest.skip("LIO only")
    saved = json.loads(controller.file("/etc/rtslib-fb-target/saveconfig.json").content_string)
    assert LIO_PORTAL_IQN in [target["wwn"] for target in saved["targets"]]
    loaded = out(controller, "cut -d' ' -f1 /proc/modules").split()
    for module in ("target_core_mod", "iscsi_target_mod"):
        assert module in loaded
        assert controller.file("/etc/modules-load.d/%s.conf" % module).contains("^%s$" % module)


def test_tgt_conf_dir(controller):
    if BACKEND != "tgt":
        pytest.skip("tgt only")
    assert controller.file("/etc/tgt/conf.d").is_directory


def test_linux_lvm_partition(controller):
    disk = lab_disk(controller)
    assert out(controller, "blkid -p -o value -s PTTYPE %s", disk) == "dos"
    assert out(controller, "blkid -p -o value -s PART_ENTRY_TYPE %s1", disk) == "0x8e"
    # One partition, and the kernel knows it (the table was re-read).
    types = out(controller, "lsblk --noheadings --list --output TYPE %s", disk).split()
    assert [kind for kind in types if kind == "part"] == ["part"]
    assert controller.file("/sys/class/block/%s1" % disk.rsplit("/", 1)[1]).exists


def test_pv_and_vg(controller):
    disk = lab_disk(controller)
    assert out(controller, "pvs --noheadings --options vg_name %s1", disk) == VG
    size, pv_count = out(controller, "vgs --noheadings --units b --nosuffix --options vg_size,pv_count %s", VG).split()
    disk_size = int(out(controller, "blockdev --getsize64 %s", disk))
    # The whole disk but the 1 MiB before the aligned partition, PV metadata and extent rounding.
    assert disk_size - 8 * MIB < int(size) <= disk_size
    assert int(pv_count) == 1


def test_lvm_filter_accepts_only_the_pv(controller):
    disk = lab_disk(controller)
    assert out(controller, "lvmconfig devices/global_filter") == \
        'global_filter=["a|^%s1$|","r|.*|"]' % disk


def test_lvm_inside_a_volume_stays_hidden(controller):
    """An instance's VG inside an exported volume: the controller's LVM never sees it.

    LVM 2.03 also skips LVs as PVs by default (devices/scan_lvs=0); scan_lvs=1 is set for every
    command here so that what hides the inner VG is the role's filter alone.
    """
    unfiltered = "--config 'devices { global_filter = [ \"a|.*|\" ] scan_lvs = 1 }'"
    filtered = "--config 'devices { scan_lvs = 1 }'"
    controller.check_output("lvcreate --yes -q -L 8M -n filter-check %s", VG)
    try:
        controller.check_output("pvcreate -q %s /dev/%s/filter-check" % (unfiltered, VG))
        controller.check_output("vgcreate -q %s instance-vg /dev/%s/filter-check" % (unfiltered, VG))
        assert "instance-vg" in out(controller, "vgs --noheadings -o vg_name %s" % unfiltered).split()
        assert out(controller, "vgs --noheadings -o vg_name %s" % filtered).split() == [VG]
        assert out(controller, "pvs --noheadings -o pv_name %s" % filtered).split() == ["%s1" % lab_disk(controller)]
    finally:
        controller.run("vgremove -q -f %s instance-vg" % unfiltered)
        controller.run("pvremove -q -f %s /dev/%s/filter-check" % (unfiltered, VG))
        controller.check_output("lvremove -q -f %s/filter-check", VG)


# The compute hosts ---------------------------------------------------------------------------

def test_open_iscsi_installed(compute):
    assert compute.package("open-iscsi").is_installed


def test_iscsid_enabled_and_running(compute):
    assert compute.service("iscsid").is_enabled
    assert compute.service("iscsid").is_running


def test_sessions_restored_at_boot(compute):
    assert compute.service("open-iscsi").is_enabled
    assert compute.file("/etc/iscsi/iscsid.conf").contains("^node.startup = automatic$")
    assert not compute.file("/etc/iscsi/iscsid.conf").contains("^node.startup = manual")
    assert "iscsi_tcp" in out(compute, "cut -d' ' -f1 /proc/modules").split()


def initiator_name(host):
    text = host.file("/etc/iscsi/initiatorname.iscsi").content_string
    names = [line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith("InitiatorName=")]
    assert len(names) == 1, text
    return names[0]


def test_initiator_name_valid(compute):
    validation.iqn(initiator_name(compute), "InitiatorName")
    assert compute.file("/etc/iscsi/initiatorname.iscsi").mode == 0o600


def test_initiator_names_unique_and_no_longer_cloned(compute):
    computes = testinfra.get_hosts(["compute1", "compute2"], connection="ansible", ansible_inventory=LAB_INVENTORY)
    names = [initiator_name(other) for other in computes]
    assert len(set(names)) == len(names), names
    cloned = out(compute, "cat /root/cloned-initiatorname")
    assert cloned not in names


# The desired state of the scenario's inventory (site.yml's last play) ------------------------

DESIRED_TARGET = "iqn.2010-10.org.openstack:volume-00000001"


def test_desired_volume_attached_to_compute1_only(compute):
    sessions = compute.run("iscsiadm -m session").stdout
    if compute.backend.get_hostname() == "compute1":
        assert DESIRED_TARGET in sessions
    else:
        assert DESIRED_TARGET not in sessions


def test_desired_volume_exported_to_compute1(controller):
    volume = "/dev/%s/volume-00000001" % VG
    assert controller.file(volume).exists
    meta = volume_meta.decode(out(controller, "lvs --noheadings -o lv_tags %s", volume).split(","))
    assert meta.get("attached_host") == "compute1", meta
