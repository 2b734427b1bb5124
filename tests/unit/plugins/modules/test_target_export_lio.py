"""target_export with the lio backend, against an in-memory fake of rtslib_fb.

The fake keeps the object model the backend uses (FabricModule -> Target -> TPG -> LUN /
NodeACL -> MappedLUN, storage objects, save_to_file); LVM commands come from recorded output.
"""

import json
import sys
import types
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks, lvm, volume_meta
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import base, lio
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import target_export
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import run_module
from ansible_collections.novavolume.lvm_iscsi.tests.unit.plugins.modules.test_target_export import (
    NEW_CREDENTIALS,
    NEW_MUTUAL_CREDENTIALS,
    FakeClock,
    FakeFiles,
)

IQN = "iqn.2010-10.org.openstack:myvolume"
DEV = "/dev/nova-volumes/myvolume"
C1 = "iqn.1993-08.org.debian:01:compute1"
C2 = "iqn.1993-08.org.debian:01:compute2"
SAVE = "/etc/rtslib-fb-target/saveconfig.json"
PRESENT = dict(volume="myvolume", initiator_iqn=C1, host="compute1", mountpoint="/dev/vdb")
ATTACHED_C1 = volume_meta.encode(
    dict(attach_status="attached", attached_host="compute1", attached_initiator=C1, mountpoint="/dev/vdb")
)


def fake_rtslib(files):
    """A module object with the rtslib_fb classes the backend uses, sharing one state."""
    state = types.SimpleNamespace(targets=[], storage=[], discovery=dict(enable_auth=False, userid="", password=""),
                                  unbindable=set())

    class StorageObject:
        plugin = "block"

        def __init__(self, name, dev=None):
            if any(item.name == name for item in state.storage):
                raise RuntimeError("storage object %s exists" % name)
            self.name, self.udev_path, self.attached_luns = name, dev, []
            state.storage.append(self)

        def delete(self):
            assert not self.attached_luns, "rtslib refuses to delete a storage object in use"
            state.storage.remove(self)

    class FabricModule:
        def __init__(self, name):
            assert name == "iscsi"

        @property
        def targets(self):
            return list(state.targets)

        def __getattr__(self, name):
            if name.startswith("discovery_"):
                return state.discovery[name[len("discovery_"):]]
            raise AttributeError(name)

        def __setattr__(self, name, value):
            assert name.startswith("discovery_"), name
            state.discovery[name[len("discovery_"):]] = value

    class Target:
        def __init__(self, fabric, wwn, mode="any"):
            assert mode == "create" and all(item.wwn != wwn for item in state.targets)
            self.wwn, self.tpgs = wwn, []
            state.targets.append(self)

        def delete(self):
            for tpg in self.tpgs:
                for acl in list(tpg.node_acls):
                    acl.delete()
                for lun in tpg.luns:
                    lun.storage_object.attached_luns.remove(lun)
            state.targets.remove(self)

    class TPG:
        def __init__(self, target, tag, mode="any"):
            self.tag, self.luns, self.node_acls, self.network_portals, self.attributes = tag, [], [], [], {}
            self.enable = False
            target.tpgs.append(self)

        def set_attribute(self, name, value):
            self.attributes[name] = value

        @property
        def portals(self):
            return [(portal.ip_address, portal.port) for portal in self.network_portals]

    class NetworkPortal:
        # rtslib raises when the kernel cannot bind the address (not one of the host's).
        def __init__(self, tpg, address, port, mode="any"):
            assert mode == "create" and (address, port) not in tpg.portals
            if address in state.unbindable:
                raise RuntimeError("Could not create NetworkPortal in configFS")
            self.tpg, self.ip_address, self.port = tpg, address, port
            tpg.network_portals.append(self)

        def delete(self):
            self.tpg.network_portals.remove(self)

    class LUN:
        def __init__(self, tpg, lun, storage_object):
            self.lun, self.storage_object = lun, storage_object
            storage_object.attached_luns.append(self)
            tpg.luns.append(self)

    class NodeACL:
        def __init__(self, tpg, wwn, mode="any"):
            self.tpg, self.node_wwn, self.chap_userid, self.chap_password = tpg, wwn, "", ""
            self.chap_mutual_userid, self.chap_mutual_password = "", ""
            self.session, self.mapped_luns = None, []
            tpg.node_acls.append(self)

        def delete(self):
            self.tpg.node_acls.remove(self)

    class MappedLUN:
        def __init__(self, acl, mapped_lun, tpg_lun):
            acl.mapped_luns.append((mapped_lun, tpg_lun.lun))

    class RTSRoot:
        @property
        def storage_objects(self):
            return list(state.storage)

        def save_to_file(self, path):
            # The shape of rtslib's dump (RTSRoot.dump), reduced to the keys the backend reads.
            fabric = dict(name="iscsi")
            if state.discovery["enable_auth"]:
                fabric.update(discovery_enable_auth=True, discovery_userid=state.discovery["userid"],
                              discovery_password=state.discovery["password"])
            dump = dict(
                fabric_modules=[fabric],
                storage_objects=[dict(name=so.name, plugin=so.plugin, dev=so.udev_path) for so in state.storage],
                targets=[
                    dict(wwn=t.wwn, fabric="iscsi", tpgs=[
                        dict(tag=tpg.tag, portals=[dict(ip_address=p.ip_address, port=p.port, iser=False)
                                                   for p in tpg.network_portals],
                             luns=[dict(index=lun.lun, storage_object="/backstores/block/" + lun.storage_object.name)
                                   for lun in tpg.luns],
                             node_acls=[dict(node_wwn=a.node_wwn, chap_userid=a.chap_userid, chap_password=a.chap_password,
                                             chap_mutual_userid=a.chap_mutual_userid, chap_mutual_password=a.chap_mutual_password)
                                        for a in tpg.node_acls])
                        for tpg in t.tpgs])
                    for t in state.targets
                ],
            )
            files.files[path] = [json.dumps(dump, indent=2), 0o600]

    return types.SimpleNamespace(
        state=state, BlockStorageObject=StorageObject, FabricModule=FabricModule, Target=Target, TPG=TPG,
        NetworkPortal=NetworkPortal, LUN=LUN, NodeACL=NodeACL, MappedLUN=MappedLUN, RTSRoot=RTSRoot,
    )


def lvs(tags=(), present=True):
    rows = [] if not present else [
        dict(lv_name="myvolume", vg_name="nova-volumes", lv_size="10737418240", lv_attr="-wi-ao----", origin="",
             lv_tags=",".join(tags), data_percent="", lv_path=DEV, lv_time="2026-11-24 20:00:00 +0000", snap_percent="")
    ]
    return dict(
        command=["/testbin/lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", lvm.LV_FIELDS, "nova-volumes"],
        out=json.dumps({"report": [{"lv": rows}]}),
    )


def lvchange(add=(), delete=()):
    argv = ["/testbin/lvchange"] + [w for t in add for w in ("--addtag", t)] + [w for t in delete for w in ("--deltag", t)]
    return dict(command=argv + ["nova-volumes/myvolume"])


class Lab:
    """One controller's LIO state (fake rtslib + files) across several module runs."""

    def __init__(self):
        self.files = FakeFiles()
        self.rts = fake_rtslib(self.files)

    def run(self, args, commands, check=False, diff=False, credentials=NEW_CREDENTIALS, mutual=NEW_MUTUAL_CREDENTIALS):
        def new_credentials(volume, prefix="nv"):
            return credentials if prefix == "nv" else mutual

        with mock.patch.object(lio, "import_rtslib", lambda module: self.rts), mock.patch.object(
            base, "LocalFiles", lambda: self.files
        ), mock.patch.object(target_export, "new_chap_credentials", new_credentials):
            return run_module(target_export, args, commands, check_mode=check, diff=diff)

    def attach_c1(self):
        result = self.run(PRESENT, [lvs(), lvchange(add=ATTACHED_C1)])
        assert result["changed"] and not result["failed"], result
        return result

    def tpg(self):
        (target,) = self.rts.state.targets
        return target.tpgs[0]


def test_fresh_export_check_mode_changes_nothing():
    lab = Lab()
    result = lab.run(PRESENT, [lvs()], check=True, diff=True)
    assert result["changed"] and result["actions"] == ["create target", "save configuration"]
    assert result["diff"]["after"]["export"] == dict(
        iqn=IQN, device=DEV, lun=0, acls=[C1], chap_users={C1: NEW_CREDENTIALS[0]}, chap_secret="********",
        portals=["0.0.0.0:3260"],
    )
    assert lab.rts.state.targets == [] and lab.files.files == {}


def test_fresh_export_creates_private_target_and_saves():
    lab = Lab()
    result = lab.attach_c1()
    assert (result["target_iqn"], result["lun"], result["chap_username"], result["chap_password"]) == (
        (IQN, 0) + NEW_CREDENTIALS
    )
    tpg = lab.tpg()
    assert tpg.enable and tpg.portals == [("0.0.0.0", 3260)]
    assert tpg.attributes == dict(
        authentication="1", generate_node_acls="0", cache_dynamic_acls="0", demo_mode_write_protect="1", demo_mode_discovery="0"
    )
    assert [lun.storage_object.udev_path for lun in tpg.luns] == [DEV]
    (acl,) = tpg.node_acls
    assert (acl.node_wwn, acl.chap_userid, acl.chap_password, acl.mapped_luns) == (C1,) + NEW_CREDENTIALS + ([(0, 0)],)
    text, mode = lab.files.files[SAVE]
    assert mode == 0o600 and IQN in text


def test_rerun_is_idempotent_and_keeps_the_secret():
    lab = Lab()
    lab.attach_c1()
    for check in (False, True):
        result = lab.run(PRESENT, [lvs(ATTACHED_C1)], check=check)
        assert not result["changed"] and result["actions"] == [], result
        assert result["chap_password"] == NEW_CREDENTIALS[1]


def test_acl_removed_by_hand_is_put_back():
    lab = Lab()
    lab.attach_c1()
    lab.tpg().node_acls[0].delete()
    result = lab.run(PRESENT, [lvs(ATTACHED_C1)], credentials=("nv-myvolume-ffffffff", "NotTheSavedOne00"))
    assert result["changed"] and result["actions"] == ["replace ACL", "save configuration"]
    (acl,) = lab.tpg().node_acls
    # The saved credentials come back, so the initiator's session recovery logs in by itself.
    assert (acl.node_wwn, acl.chap_userid, acl.chap_password) == (C1,) + NEW_CREDENTIALS


def test_target_removed_by_hand_is_put_back():
    lab = Lab()
    lab.attach_c1()
    lab.rts.state.targets[0].delete()
    result = lab.run(PRESENT, [lvs(ATTACHED_C1)], credentials=("nv-myvolume-ffffffff", "NotTheSavedOne00"))
    assert result["actions"] == ["create target", "save configuration"]
    assert (result["chap_username"], result["chap_password"]) == NEW_CREDENTIALS
    assert [lun.storage_object.udev_path for lun in lab.tpg().luns] == [DEV]


def test_lost_saveconfig_is_written_again():
    lab = Lab()
    lab.attach_c1()
    del lab.files.files[SAVE]
    result = lab.run(PRESENT, [lvs(ATTACHED_C1)])
    assert result["changed"] and result["actions"] == ["save configuration"]
    assert lab.files.files[SAVE][1] == 0o600


def test_saved_file_holding_only_a_longer_named_target_is_not_this_one():
    """The saved file holds myvolume10's target (whose name contains myvolume's, with the same
    initiator and CHAP user in it): myvolume's own target is still not saved, so it is saved."""
    lab = Lab()
    lab.attach_c1()
    text, mode = lab.files.files[SAVE]
    lab.files.files[SAVE] = [text.replace(IQN, IQN + "10").replace(DEV, DEV + "10"), mode]
    result = lab.run(PRESENT, [lvs(ATTACHED_C1)])
    assert result["changed"] and result["actions"] == ["save configuration"], result
    assert '"wwn": "%s"' % IQN in lab.files.files[SAVE][0]


def test_a_second_attach_at_the_same_time_waits_for_the_first_then_is_refused():
    """Two attaches of one volume to two hosts at once: the second reads only once the first
    holds no lock any more, so it sees the first attachment and refuses (no takeover)."""
    lab = Lab()
    second = dict(PRESENT, initiator_iqn=C2, host="compute2")
    with locks.held([locks.volume_lock("nova-volumes", "myvolume")], "target_export of myvolume (state present)"):
        # while the first run holds the volume, the second waits; with no time to wait it fails,
        # naming the holder, before it reads or runs anything (the table has no command)
        waiting = lab.run(dict(second, lock_timeout=0), [])
        assert waiting["failed"] and "volume-nova-volumes-myvolume is locked by target_export of myvolume" in waiting["msg"]
    lab.attach_c1()  # the first run's change, then the second run's reads
    result = lab.run(second, [lvs(ATTACHED_C1)])
    assert result["failed"] and "attached to compute1" in result["msg"], result
    (acl,) = lab.tpg().node_acls
    assert acl.node_wwn == C1


def test_attached_elsewhere_fails_and_changes_nothing():
    lab = Lab()
    lab.attach_c1()
    saved = lab.files.files[SAVE][0]
    result = lab.run(dict(PRESENT, initiator_iqn=C2, host="compute2"), [lvs(ATTACHED_C1)])
    assert result["failed"] and "volume myvolume is attached to compute1 (initiator %s)" % C1 in result["msg"]
    assert [acl.node_wwn for acl in lab.tpg().node_acls] == [C1] and lab.files.files[SAVE][0] == saved


def test_force_moves_the_acl():
    lab = Lab()
    lab.attach_c1()
    lab.tpg().node_acls[0].session = {"state": "LOGGED_IN"}
    attached_c2 = volume_meta.encode(
        dict(attach_status="attached", attached_host="compute2", attached_initiator=C2, mountpoint="/dev/vdb")
    )
    add, delete = volume_meta.tag_changes(ATTACHED_C1, volume_meta.decode(attached_c2))
    result = lab.run(dict(PRESENT, initiator_iqn=C2, host="compute2", force=True), [lvs(ATTACHED_C1), lvchange(add, delete)])
    assert result["actions"] == ["replace ACL", "save configuration"]
    assert [acl.node_wwn for acl in lab.tpg().node_acls] == [C2]


def test_missing_volume_fails_clearly():
    lab = Lab()
    result = lab.run(dict(PRESENT, volume="novolume"), [lvs(present=False)])
    assert result["failed"] and "volume novolume does not exist in volume group nova-volumes" in result["msg"]
    assert lab.rts.state.targets == []


def test_absent_refuses_while_logged_in_then_removes():
    lab = Lab()
    lab.attach_c1()
    lab.tpg().node_acls[0].session = {"state": "LOGGED_IN"}
    absent = dict(volume="myvolume", state="absent")
    result = lab.run(absent, [lvs(ATTACHED_C1)])
    assert result["failed"] and "is logged in" in result["msg"] and len(lab.rts.state.targets) == 1
    lab.tpg().node_acls[0].session = None
    result = lab.run(absent, [lvs(ATTACHED_C1)], check=True)
    assert result["changed"] and len(lab.rts.state.targets) == 1
    result = lab.run(absent, [lvs(ATTACHED_C1), lvchange(delete=ATTACHED_C1)])
    assert result["changed"] and lab.rts.state.targets == [] and lab.rts.state.storage == []
    assert IQN not in lab.files.files[SAVE][0]
    result = lab.run(absent, [lvs()])
    assert not result["changed"]


def test_absent_waits_for_the_initiator_to_log_out():
    lab = Lab()
    lab.attach_c1()
    acl = lab.tpg().node_acls[0]
    acl.session = {"state": "LOGGED_IN"}
    clock = FakeClock(on_sleep=lambda: setattr(acl, "session", None))
    with mock.patch.object(base, "time", clock):
        result = lab.run(dict(volume="myvolume", state="absent", logout_wait=15), [lvs(ATTACHED_C1), lvchange(delete=ATTACHED_C1)])
    assert result["changed"] and lab.rts.state.targets == [] and clock.sleeps == 1


def test_missing_rtslib_fails_with_a_clear_message():
    with mock.patch.dict(sys.modules, {"rtslib_fb": None}):
        result = run_module(target_export, PRESENT, [])
    assert result["failed"] and "rtslib_fb" in result["msg"] and "python3-rtslib-fb" in result["msg"]


@pytest.mark.parametrize("bad", [dict(target_prefix="iqn.2010-10.lab"), dict(portal_address="controller"), dict(mountpoint="vdb")])
def test_bad_input_fails_before_anything_runs(bad):
    result = run_module(target_export, dict(PRESENT, **bad), [])
    assert result["failed"] and "invalid" in result["msg"]


# --- multipath: one target on a list of portals (portal_addresses) ---------------------------
A1, A2, A3 = "10.77.0.10", "10.78.0.10", "10.79.0.10"
TWO_PORTALS = dict(PRESENT, portal_addresses=[A1, A2])


def test_two_portals_check_real_idempotent_and_idempotent_check():
    lab = Lab()
    result = lab.run(TWO_PORTALS, [lvs()], check=True, diff=True)
    assert result["changed"] and result["actions"] == ["create target", "save configuration"]
    assert result["portals"] == ["10.77.0.10:3260", "10.78.0.10:3260"]
    assert result["diff"]["after"]["export"]["portals"] == ["10.77.0.10:3260", "10.78.0.10:3260"]
    assert lab.rts.state.targets == []
    result = lab.run(TWO_PORTALS, [lvs(), lvchange(add=ATTACHED_C1)])
    assert result["changed"] and lab.tpg().portals == [(A1, 3260), (A2, 3260)]
    (saved_tpg,) = json.loads(lab.files.files[SAVE][0])["targets"][0]["tpgs"]
    assert [(p["ip_address"], p["port"]) for p in saved_tpg["portals"]] == [(A1, 3260), (A2, 3260)]
    for check in (False, True):
        again = lab.run(TWO_PORTALS, [lvs(ATTACHED_C1)], check=check)
        assert not again["changed"] and again["actions"] == [], again


def test_a_portal_added_to_an_attached_export_keeps_its_acl_and_session():
    lab = Lab()
    lab.run(dict(PRESENT, portal_address=A1), [lvs(), lvchange(add=ATTACHED_C1)])
    acl = lab.tpg().node_acls[0]
    acl.session = {"state": "LOGGED_IN"}
    result = lab.run(TWO_PORTALS, [lvs(ATTACHED_C1)], check=True, diff=True)
    assert result["actions"] == ["add portal 10.78.0.10:3260", "save configuration"]
    assert result["diff"]["before"]["export"]["portals"] == ["10.77.0.10:3260"]
    assert lab.tpg().portals == [(A1, 3260)]
    result = lab.run(TWO_PORTALS, [lvs(ATTACHED_C1)])
    assert result["changed"] and lab.tpg().portals == [(A1, 3260), (A2, 3260)]
    assert lab.tpg().node_acls == [acl] and acl.session
    assert not lab.run(TWO_PORTALS, [lvs(ATTACHED_C1)])["changed"]


def test_portals_replaced_adds_before_it_removes():
    lab = Lab()
    lab.run(TWO_PORTALS, [lvs(), lvchange(add=ATTACHED_C1)])
    result = lab.run(dict(PRESENT, portal_addresses=[A2, A3]), [lvs(ATTACHED_C1)])
    assert result["actions"] == ["add portal 10.79.0.10:3260", "remove portal 10.77.0.10:3260", "save configuration"]
    assert lab.tpg().portals == [(A2, 3260), (A3, 3260)]


def test_a_portal_removed_by_hand_is_put_back_and_saved():
    lab = Lab()
    lab.run(TWO_PORTALS, [lvs(), lvchange(add=ATTACHED_C1)])
    lab.tpg().network_portals[1].delete()
    result = lab.run(TWO_PORTALS, [lvs(ATTACHED_C1)])
    assert result["actions"] == ["add portal 10.78.0.10:3260", "save configuration"]
    assert lab.tpg().portals == [(A1, 3260), (A2, 3260)]


def test_saved_file_without_the_new_portal_is_saved_again():
    lab = Lab()
    lab.run(TWO_PORTALS, [lvs(), lvchange(add=ATTACHED_C1)])
    saved = json.loads(lab.files.files[SAVE][0])
    saved["targets"][0]["tpgs"][0]["portals"].pop()
    lab.files.files[SAVE][0] = json.dumps(saved)
    result = lab.run(TWO_PORTALS, [lvs(ATTACHED_C1)])
    assert result["actions"] == ["save configuration"]
    assert len(json.loads(lab.files.files[SAVE][0])["targets"][0]["tpgs"][0]["portals"]) == 2


def test_a_portal_the_kernel_cannot_bind_rolls_back_the_ones_this_run_added():
    lab = Lab()
    lab.run(dict(PRESENT, portal_address=A1), [lvs(), lvchange(add=ATTACHED_C1)])
    saved_before = lab.files.files[SAVE][0]
    lab.rts.state.unbindable.add(A3)
    result = lab.run(dict(PRESENT, portal_addresses=[A1, A2, A3]), [lvs(ATTACHED_C1)])
    assert result["failed"] and "Could not create NetworkPortal" in result["msg"]
    assert lab.tpg().portals == [(A1, 3260)] and lab.files.files[SAVE][0] == saved_before


def test_a_new_target_whose_portal_cannot_be_bound_is_not_left_behind():
    lab = Lab()
    lab.rts.state.unbindable.add(A2)
    result = lab.run(TWO_PORTALS, [lvs()])
    assert result["failed"] and lab.rts.state.targets == [] and lab.rts.state.storage == []


@pytest.mark.parametrize("addresses, message", [
    ([A1, "controller-storage2"], "invalid portal_addresses 'controller-storage2': an IP address is required"),
    ([A1, A2, A1], "invalid portal_addresses: 10.77.0.10 given more than once"),
    (["0.0.0.0", A2], "invalid portal_addresses: the wildcard 0.0.0.0 listens on every address already"),
])
def test_bad_portal_addresses_fail_before_anything_runs(addresses, message):
    lab = Lab()
    result = lab.run(dict(PRESENT, portal_addresses=addresses), [])
    assert result["failed"] and message in result["msg"] and lab.rts.state.targets == []


MUTUAL = dict(PRESENT, mutual_chap=True)


def test_mutual_chap_gives_the_target_credentials_of_its_own_and_a_rerun_keeps_them():
    lab = Lab()
    result = lab.run(MUTUAL, [lvs(), lvchange(add=ATTACHED_C1)], diff=True)
    assert (result["mutual_chap_username"], result["mutual_chap_password"]) == NEW_MUTUAL_CREDENTIALS
    assert result["diff"]["after"]["export"]["mutual_users"] == {C1: NEW_MUTUAL_CREDENTIALS[0]}
    (acl,) = lab.tpg().node_acls
    assert (acl.chap_userid, acl.chap_password) == NEW_CREDENTIALS
    assert (acl.chap_mutual_userid, acl.chap_mutual_password) == NEW_MUTUAL_CREDENTIALS
    (saved_acl,) = json.loads(lab.files.files[SAVE][0])["targets"][0]["tpgs"][0]["node_acls"]
    assert saved_acl["chap_mutual_userid"] == NEW_MUTUAL_CREDENTIALS[0]
    for check in (False, True):
        again = lab.run(MUTUAL, [lvs(ATTACHED_C1)], check=check, mutual=("nvt-myvolume-00000000", "NotTheLiveOne"))
        assert not again["changed"] and again["actions"] == [], again
        assert (again["mutual_chap_username"], again["mutual_chap_password"]) == NEW_MUTUAL_CREDENTIALS


def test_mutual_chap_turned_on_then_off_replaces_the_acl_and_keeps_the_initiator_credentials():
    lab = Lab()
    lab.attach_c1()
    on = lab.run(MUTUAL, [lvs(ATTACHED_C1)])
    assert on["changed"] and on["actions"] == ["replace ACL", "save configuration"]
    (acl,) = lab.tpg().node_acls
    assert (acl.chap_userid, acl.chap_password, acl.chap_mutual_userid) == NEW_CREDENTIALS + (NEW_MUTUAL_CREDENTIALS[0],)
    off = lab.run(PRESENT, [lvs(ATTACHED_C1)])
    assert off["changed"] and off["actions"] == ["replace ACL", "save configuration"]
    assert "mutual_chap_password" not in off
    (acl,) = lab.tpg().node_acls
    assert (acl.chap_userid, acl.chap_password, acl.chap_mutual_userid) == NEW_CREDENTIALS + ("",)


def test_mutual_acl_removed_by_hand_comes_back_with_the_saved_credentials():
    lab = Lab()
    lab.run(MUTUAL, [lvs(), lvchange(add=ATTACHED_C1)])
    lab.tpg().node_acls[0].delete()
    result = lab.run(MUTUAL, [lvs(ATTACHED_C1)], credentials=("nv-myvolume-ffffffff", "NotTheSavedOne00"),
                     mutual=("nvt-myvolume-ffffffff", "NotTheSavedOne11"))
    assert result["actions"] == ["replace ACL", "save configuration"]
    (acl,) = lab.tpg().node_acls
    assert (acl.chap_mutual_userid, acl.chap_mutual_password) == NEW_MUTUAL_CREDENTIALS


# The volume as a person named it (novavol volume-attach): resolved from one lvs without the
# volume's lock, then exported from a second read under it, as always.
NAMED = volume_meta.encode(dict(display_name="web data"))
BY_REFERENCE = dict(reference="web data", initiator_iqn=C1, host="compute1", mountpoint="/dev/vdb")


def test_reference_resolves_the_display_name_and_exports_that_volume():
    lab = Lab()
    result = lab.run(BY_REFERENCE, [lvs(NAMED), lvs(NAMED), lvchange(add=ATTACHED_C1)])
    assert result["changed"] and not result["failed"], result
    assert (result["volume"], result["target_iqn"]) == ("myvolume", IQN)
    assert [lun.storage_object.udev_path for lun in lab.tpg().luns] == [DEV]


def test_reference_to_no_volume_fails_before_reading_the_exports():
    lab = Lab()
    result = lab.run(dict(BY_REFERENCE, reference="7"), [lvs(NAMED)])
    assert result["failed"] and result["reference_error"] == "not_found", result
    assert result["msg"] == "no volume '7': give an id, LV name or display name from `novavol volume-list`"
    assert lab.rts.state.targets == []


def test_reference_attached_to_another_host_is_refused_as_nova_did():
    lab = Lab()
    lab.attach_c1()
    saved = lab.files.files[SAVE][0]
    tags = ATTACHED_C1 + NAMED
    result = lab.run(dict(BY_REFERENCE, initiator_iqn=C2, host="compute2"), [lvs(tags), lvs(tags)])
    assert result["failed"] and result["msg"] == (
        "volume web data (myvolume) is attached to compute1, not compute2: detach it from compute1 "
        "(novavol volume-detach compute1 web data). Nothing was changed.")
    # what the playbook's force path reads to log the other host out
    assert result["attachment"]["attached_host"] == "compute1" and result["target_iqn"] == IQN
    assert [acl.node_wwn for acl in lab.tpg().node_acls] == [C1] and lab.files.files[SAVE][0] == saved


def test_reference_with_force_moves_the_volume():
    lab = Lab()
    lab.attach_c1()
    tags = ATTACHED_C1 + NAMED
    attached_c2 = dict(attach_status="attached", attached_host="compute2", attached_initiator=C2, mountpoint="/dev/vdb")
    add, delete = volume_meta.tag_changes(tags, attached_c2)
    result = lab.run(dict(BY_REFERENCE, initiator_iqn=C2, host="compute2", force=True),
                     [lvs(tags), lvs(tags), lvchange(add, delete)])
    assert result["actions"] == ["replace ACL", "save configuration"], result
    assert [acl.node_wwn for acl in lab.tpg().node_acls] == [C2]


def test_reference_to_a_volume_in_error_is_refused_and_nothing_is_exported():
    """Its tags say it is attached to compute1, but no export exists: nova refused to attach a
    volume in error; by LV name (the roles' drift correction) the export is put back instead."""
    lab = Lab()
    tags = ATTACHED_C1 + NAMED
    result = lab.run(BY_REFERENCE, [lvs(tags), lvs(tags)])
    assert result["failed"] and result["msg"] == (
        "volume web data (myvolume) is in error: its tags say it is attached to compute1, but no export exists. "
        "Look with playbooks/troubleshoot.yml (novavol diagnose web data), then free it with "
        "playbooks/recover_volume.yml (novavol recover web data). Nothing was changed.")
    assert lab.rts.state.targets == []
    repaired = lab.run(PRESENT, [lvs(tags)])
    assert repaired["changed"] and repaired["actions"] == ["create target", "save configuration"], repaired


@pytest.mark.parametrize("args, message", [
    (dict(PRESENT, reference="1"), "parameters are mutually exclusive: volume|reference"),
    (dict(initiator_iqn=C1), "one of the following is required: volume, reference"),
    (dict(BY_REFERENCE, name_template="vol-%s"), "invalid name_template 'vol-%s'"),
])
def test_volume_and_reference_are_checked_before_anything_runs(args, message):
    result = run_module(target_export, args, [])
    assert result["failed"] and message in result["msg"], result
