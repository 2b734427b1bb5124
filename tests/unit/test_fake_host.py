"""The fake host view itself: it answers every read of the real HostView, and follows the
module's login, rescan and map resize only as their commands, run through the table, succeed."""

import inspect
import types

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_host import FakeHostView, host_view_faked_by
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import run_module

TARGET = "iqn.2010-10.org.openstack:myvolume"
LINK = "/dev/disk/by-path/ip-10.77.0.10:3260-iscsi-%s-lun-0" % TARGET
HOST = {
    "appear_after_login": True,
    "links": {LINK: "sda"},
    "disks": {1: {0: "sda"}},
    "sizes": {"sda": [1024, 2048], "sdb": [1024, 2048], "dm-0": [1024, 4096]},
    "dm": {"dm-0": ["mpatha", "mpath-3600"]},
}
LOGIN = ["/testbin/iscsiadm", "-m", "node", "-T", TARGET, "-p", "10.77.0.10:3260", "--login"]
RESCAN = ["/testbin/iscsiadm", "-m", "session", "-r", "1", "--rescan"]
RESIZE = ["/testbin/multipathd", "resize", "map", "mpatha"]


def public_methods(cls):
    return dict((name, inspect.signature(member)) for name, member in vars(cls).items()
                if inspect.isfunction(member) and not name.startswith("_"))


def test_the_fake_answers_every_read_of_the_real_view_with_its_arguments():
    real = public_methods(iscsiadm.HostView)
    fake = public_methods(FakeHostView)
    assert dict((name, fake.get(name)) for name in real) == real


def _module_that_logs_in_rescans_and_resizes():
    """A module that shows what the view says before and after each of the three changes."""
    def main():
        module = AnsibleModule(argument_spec={}, supports_check_mode=True)
        adm, view = iscsiadm.Iscsiadm(module), iscsiadm.HostView()
        seen = [view.resolve(LINK)]
        adm.login(TARGET, "10.77.0.10:3260")
        seen.append(view.resolve(LINK))
        sizes = [view.size("sda"), view.size("sdb"), view.size("dm-0")]
        adm.rescan(1)
        sizes += [view.size("sda"), view.size("sdb"), view.size("dm-0")]
        iscsiadm.resize_multipath_map(module, "mpatha")
        sizes.append(view.size("dm-0"))
        module.exit_json(changed=False, links=seen, sizes=sizes)

    return types.SimpleNamespace(main=main)


def test_the_view_follows_a_login_a_session_rescan_and_a_map_resize():
    with host_view_faked_by(FakeHostView(HOST)):
        result = run_module(_module_that_logs_in_rescans_and_resizes(), {}, [
            {"command": LOGIN}, {"command": RESCAN}, {"command": RESIZE, "out": "ok\n"}])
    assert result["links"] == [None, "sda"]
    # the rescan of session 1 grows its disk sda only; the resize grows the map
    assert result["sizes"] == [1024, 1024, 1024, 2048, 1024, 1024, 4096]


def test_a_failed_login_shows_no_links():
    def main():
        module = AnsibleModule(argument_spec={}, supports_check_mode=True)
        iscsiadm.Iscsiadm(module).login(TARGET, "10.77.0.10:3260")
        module.exit_json(changed=False)

    with host_view_faked_by(FakeHostView(HOST)) as view:
        run_module(types.SimpleNamespace(main=main), {}, [{"command": LOGIN, "rc": 24}])
    assert view.resolve(LINK) is None
