"""target_discovery_auth: LIO against the fake rtslib of test_target_export_lio, iet against
recorded ietadm commands and an in-memory ietd.conf; tgt is refused."""

import json
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import base, lio
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import target_discovery_auth
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import run_module
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_target_export import FakeFiles
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_target_export_lio import SAVE, fake_rtslib

SECRET = "Dq7Wm2Xr9Lk4Vb8Zp3Hs6Tn1"
ON = dict(chap_username="nv-discovery", chap_password=SECRET)
OFF = dict(state="absent")


class Lio:
    def __init__(self):
        self.files = FakeFiles()
        self.rts = fake_rtslib(self.files)

    def run(self, args, check=False, diff=False):
        with mock.patch.object(lio, "import_rtslib", lambda module: self.rts), mock.patch.object(
            base, "LocalFiles", lambda: self.files
        ):
            return run_module(target_discovery_auth, args, [], check_mode=check, diff=diff)

    def saved_fabric(self):
        text, mode = self.files.files[SAVE]
        assert mode == 0o600
        return json.loads(text)["fabric_modules"][0]


def test_lio_check_mode_then_real_then_idempotent_then_idempotent_check():
    lab = Lio()
    check = lab.run(ON, check=True, diff=True)
    assert check["changed"] and check["actions"] == ["set discovery authentication", "save configuration"]
    assert check["diff"] == dict(before=dict(enabled=False), after=dict(enabled=True, chap_username="nv-discovery",
                                                                        chap_password="********"))
    assert not lab.rts.state.discovery["enable_auth"] and SAVE not in lab.files.files
    real = lab.run(ON)
    assert real["changed"] and lab.rts.state.discovery == dict(enable_auth=True, userid="nv-discovery", password=SECRET)
    assert lab.saved_fabric()["discovery_userid"] == "nv-discovery"
    for check_mode in (False, True):
        again = lab.run(ON, check=check_mode)
        assert not again["changed"] and again["actions"] == [], again
    assert SECRET not in json.dumps(real)


def test_lio_new_secret_is_set_and_saved():
    lab = Lio()
    lab.run(ON)
    changed = lab.run(dict(ON, chap_password="Another0Secret1Of2Letters"))
    assert changed["actions"] == ["set discovery authentication", "save configuration"]
    assert lab.saved_fabric()["discovery_password"] == "Another0Secret1Of2Letters"


def test_lio_turned_off_again():
    lab = Lio()
    lab.run(ON)
    off = lab.run(OFF)
    assert off["changed"] and off["actions"] == ["disable discovery authentication", "save configuration"]
    assert not lab.rts.state.discovery["enable_auth"] and "discovery_enable_auth" not in lab.saved_fabric()
    assert not lab.run(OFF)["changed"]


def test_lio_lost_saved_configuration_is_written_again():
    lab = Lio()
    lab.run(ON)
    del lab.files.files[SAVE]
    assert lab.run(ON)["actions"] == ["save configuration"]


IET_CONF = "# ietd.conf\nMaxConnections 1\nTarget iqn.2010-10.org.openstack:vol1\n    IncomingUser nv-vol1-1 Aa1Bb2Cc3Dd4Ee5F\n"


def iet_run(args, commands, conf=IET_CONF, check=False):
    files = FakeFiles({"/etc/iet/ietd.conf": [conf, 0o600]})
    with mock.patch.object(base, "LocalFiles", lambda: files):
        return run_module(target_discovery_auth, dict(args, backend="iet"), commands, check_mode=check), files


def test_iet_sets_the_global_incoming_user_live_and_in_ietd_conf():
    command = ["/testbin/ietadm", "--op=new", "--tid=0", "--user", "--params=IncomingUser=nv-discovery,Password=%s" % SECRET]
    result, files = iet_run(ON, [dict(command=command)])
    assert result["changed"] and not result["failed"]
    text, mode = files.files["/etc/iet/ietd.conf"]
    assert mode == 0o600
    assert text == ("# ietd.conf\nMaxConnections 1\nIncomingUser nv-discovery %s\nTarget iqn.2010-10.org.openstack:vol1\n"
                    "    IncomingUser nv-vol1-1 Aa1Bb2Cc3Dd4Ee5F\n" % SECRET)
    again, _files = iet_run(ON, [], conf=text)
    assert not again["changed"]
    off, files = iet_run(OFF, [dict(command=["/testbin/ietadm", "--op=delete", "--tid=0", "--user",
                                             "--params=IncomingUser=nv-discovery"])], conf=text)
    assert off["changed"] and files.files["/etc/iet/ietd.conf"][0] == IET_CONF


def test_tgt_is_refused_and_nothing_runs():
    result = run_module(target_discovery_auth, dict(ON, backend="tgt"), [])
    assert result["failed"] and "not available with the tgt backend" in result["msg"]


@pytest.mark.parametrize("bad, message", [
    (dict(chap_password="short1"), "12 to 255 letters and digits"),
    (dict(chap_password="has spaces in it, 123"), "12 to 255 letters and digits"),
    (dict(chap_username="bad user"), "invalid chap_username"),
])
def test_bad_credentials_fail_before_anything_runs(bad, message):
    result = run_module(target_discovery_auth, dict(ON, **bad), [])
    assert result["failed"] and message in result["msg"]
