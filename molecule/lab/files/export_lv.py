"""Export a block device over iSCSI with LIO through rtslib_fb, idempotently.

usage: python3 -c "$(cat export_lv.py)" NAME DEVICE TARGET_IQN PORTAL_IP INITIATOR_IQN
Prints "changed" when it changed the LIO configuration. targetcli would need a system D-Bus;
rtslib drives configfs directly. A new TPG enforces authentication, so it is switched off and
access is limited by the initiator's ACL instead.
"""
import json
import sys

from rtslib_fb import (BlockStorageObject, FabricModule, LUN, MappedLUN, NetworkPortal,
                       NodeACL, RTSRoot, Target, TPG)

name, device, target_iqn, portal_ip, initiator_iqn = sys.argv[1:6]
root = RTSRoot()
before = json.dumps(root.dump(), sort_keys=True)

storage = next((so for so in root.storage_objects if so.name == name), None)
if storage is None:
    storage = BlockStorageObject(name, dev=device)
target = Target(FabricModule("iscsi"), target_iqn, mode="any")
tpg = TPG(target, 1, mode="any")
NetworkPortal(tpg, portal_ip, 3260, mode="any")
lun = next((lun for lun in tpg.luns if lun.storage_object.name == name), None)
if lun is None:
    lun = LUN(tpg, 0, storage)
if tpg.get_attribute("authentication") != "0":
    tpg.set_attribute("authentication", "0")
acl = NodeACL(tpg, initiator_iqn, mode="any")
if not any(mapped.mapped_lun == 0 for mapped in acl.mapped_luns):
    MappedLUN(acl, 0, lun)
if not tpg.enable:
    tpg.enable = True

after = json.dumps(RTSRoot().dump(), sort_keys=True)
print("changed" if after != before else "ok")
