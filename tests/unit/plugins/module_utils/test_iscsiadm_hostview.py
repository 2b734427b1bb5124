"""HostView's own reads, on paths of the test machine."""

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm


def test_read_error_names_the_error_once_the_time_is_up():
    problem = iscsiadm.HostView().read_error("novavolume-no-such-disk", timeout=0)
    assert problem == "No such file or directory (errno ENOENT)"


def test_wait_for_gives_none_for_a_link_that_never_appears(tmp_path):
    assert iscsiadm.HostView().wait_for(str(tmp_path / "missing"), timeout=0) is None


def test_wait_for_resolves_a_link_to_its_kernel_name(tmp_path):
    (tmp_path / "sdz").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "sdz")
    assert iscsiadm.HostView().wait_for(str(tmp_path / "link"), timeout=0) == "sdz"


def test_session_id_of_a_disk_that_is_no_iscsi_disk_is_none():
    assert iscsiadm.HostView().session_id("novavolume-no-such-disk") is None


def test_session_disks_of_a_session_that_does_not_exist_is_empty():
    assert iscsiadm.HostView().session_disks(999999) == {}


def test_file_systems_lists_device_mounts_with_their_type():
    for source, mountpoint, fs_type in iscsiadm.HostView().file_systems():
        assert source.startswith("/") and mountpoint.startswith("/") and fs_type
