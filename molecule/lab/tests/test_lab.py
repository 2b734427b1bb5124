"""Checks of the lab scenario (issue 3), through the lab's inventory (molecule.yml verifier
options): every host answers, has device-mapper, its own identity; the controller can run LIO,
the computes have the iSCSI initiator, and compute1 sees the LV that converge.yml exported."""

import os

import pytest
import testinfra

LAB = os.environ.get("NOVALAB_NAME", "lab")
INVENTORY = "/var/tmp/novavolume-lab/%s/inventory.yml" % LAB
TARGET_IQN = "iqn.2026-11.org.example:lab"
HOSTS = ("controller1", "compute1", "compute2")


def groups(host):
    return host.ansible.get_variables()["group_names"]


def is_block_device(host, path):
    return host.run("test -b %s", path).rc == 0


def test_host_answers(host):
    assert host.run("true").rc == 0
    assert host.check_output("hostname") == host.ansible.get_variables()["inventory_hostname"]


def test_address_is_the_lab_address(host):
    address = host.ansible.get_variables()["storage_address"]
    assert address in host.check_output("ip -4 -o addr show")


def test_second_nic_has_the_second_storage_address(host):
    """vec1, on the lab's second bridge, got lab.ip2 from lab-init (NOVALAB_SECOND_NETWORK)."""
    address = host.ansible.get_variables()["lab_second_address"]
    assert "inet %s/24" % address in host.check_output("ip -4 -o addr show dev vec1")
    assert address not in host.check_output("ip -4 -o addr show dev vec0")


def test_hosts_reach_each_other_over_the_second_network(host):
    for name in HOSTS:
        other = testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))
        address = other.ansible.get_variables()["lab_second_address"]
        assert host.run("ping -c 1 -W 5 -I vec1 %s", address).rc == 0, address


def test_image_has_the_multipath_and_fault_tools(host):
    """What the multipath work (issue 16) runs in the guests: dm-multipath's tools and fio."""
    for package in ("multipath-tools", "fio"):
        assert host.package(package).is_installed, package


def test_device_mapper_is_loaded(host):
    assert host.file("/sys/module/dm_mod").is_directory


def test_lio_configfs_on_the_controller(host):
    if "controller" not in groups(host):
        pytest.skip("controller only")
    assert host.file("/sys/kernel/config/target").is_directory
    assert host.file("/sys/kernel/config/target/iscsi").is_directory
    assert is_block_device(host, host.ansible.get_variables()["lab_extra_disk"])


def test_iscsi_initiator_on_the_computes(host):
    if "compute" not in groups(host):
        pytest.skip("compute hosts only")
    assert host.file("/sys/module/iscsi_tcp").is_directory


def test_compute1_sees_the_exported_lv(host):
    if host.ansible.get_variables()["inventory_hostname"] != "compute1":
        pytest.skip("compute1 only")
    link = host.file("/dev/disk/by-path/ip-10.77.0.10:3260-iscsi-%s-lun-0" % TARGET_IQN)
    assert link.is_symlink
    device = "/dev/" + os.path.basename(link.linked_to)
    assert is_block_device(host, device)
    assert host.check_output("blockdev --getsize64 %s", device) == str(64 * 1024 ** 2)


def test_apt_works_offline(host):
    """Package checks need no network: apt knows what is installed."""
    assert host.package("lvm2").is_installed
    assert host.run("apt-get -s -o Debug::NoLocking=1 install lvm2").rc == 0


def test_each_host_has_its_own_identity():
    hosts = [testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY)) for name in HOSTS]
    for what in (
        "cat /etc/machine-id",
        "cat /etc/ssh/ssh_host_ed25519_key.pub",
        "grep ^InitiatorName= /etc/iscsi/initiatorname.iscsi",
    ):
        values = [host.check_output(what) for host in hosts]
        assert all(values), what
        assert len(set(values)) == len(values), "%s: %s" % (what, values)
    names = [host.check_output("grep ^InitiatorName= /etc/iscsi/initiatorname.iscsi") for host in hosts]
    assert all(
        len(name.split(":")[-1]) == 12 and name.startswith("InitiatorName=iqn.2004-10.com.debian:01:")
        for name in names
    ), names
