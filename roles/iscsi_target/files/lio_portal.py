#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep LIO's iSCSI portal listening, through a portal-holding target that serves nothing.

LIO has no daemon: the kernel listens on a portal only while an enabled TPG has it. So that the
controller accepts connections on ADDRESS:PORT before the first volume is exported (and keeps
accepting after the last is unexported), this keeps one target with TPG 1 enabled on those
portals (one per storage network, for multipath). It has no LUN and no ACL, generate_node_acls=0 (every login is refused) and
demo_mode_discovery=0 (SendTargets never lists it, so initiators never record it as a node to
log in at boot). Volume targets that use the same portal share the kernel's listener.

Run by the iscsi_target role (targetcli needs D-Bus, which minimal hosts lack; rtslib-fb does
not). Prints one JSON object: changed, actions (what was or would be done), saved.
usage: lio_portal.py --iqn IQN --address ADDR [--address ADDR ...] --port PORT [--check]
"""

import argparse
import json
import os
import sys

CONFIGFS_ISCSI = "/sys/kernel/config/target/iscsi"
# Login refused to everybody, target hidden from discovery.
TPG_ATTRIBUTES = {"generate_node_acls": "0", "demo_mode_discovery": "0"}


def plan(fabric, iqn, wanted):
    """(target, tpg, actions) for the current kernel state; actions is empty when all is right.

    wanted: the (address, port) portals, in order. New ones are added before stale ones go, so
    that the port is never without a listener in between."""
    target = next((item for item in fabric.targets if item.wwn == iqn), None)
    tpg = None if target is None else next((item for item in target.tpgs if item.tag == 1), None)
    actions = []
    if target is None:
        actions.append("create target %s" % iqn)
    if tpg is None:
        actions.append("create TPG 1")
        actions.extend("set %s=%s" % pair for pair in sorted(TPG_ATTRIBUTES.items()))
        actions.append("enable TPG 1")
        actions.extend("add portal %s:%d" % portal for portal in wanted)
        return target, tpg, actions
    for name, value in sorted(TPG_ATTRIBUTES.items()):
        if str(tpg.get_attribute(name)) != value:
            actions.append("set %s=%s" % (name, value))
    if not tpg.enable:
        actions.append("enable TPG 1")
    portals = [(portal.ip_address, int(portal.port)) for portal in tpg.network_portals]
    actions.extend("add portal %s:%d" % portal for portal in wanted if portal not in portals)
    actions.extend("remove portal %s:%d" % portal for portal in portals if portal not in wanted)
    return target, tpg, actions


def apply(rtslib, fabric, target, tpg, iqn, wanted):
    if target is None:
        target = rtslib.Target(fabric, iqn, mode="create")
    if tpg is None:
        tpg = rtslib.TPG(target, 1, mode="create")
    for name, value in sorted(TPG_ATTRIBUTES.items()):
        if str(tpg.get_attribute(name)) != value:
            tpg.set_attribute(name, value)
    if not tpg.enable:
        tpg.enable = True
    portals = [(portal.ip_address, int(portal.port)) for portal in tpg.network_portals]
    for address, port in wanted:
        if (address, port) not in portals:
            rtslib.NetworkPortal(tpg, address, port, mode="create")
    for portal in list(tpg.network_portals):
        if (portal.ip_address, int(portal.port)) not in wanted:
            portal.delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iqn", required=True)
    parser.add_argument("--address", required=True, action="append", help="repeat for each portal address")
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--check", action="store_true", help="report what would change, change nothing")
    args = parser.parse_args()
    try:
        import rtslib_fb as rtslib
    except ImportError:
        try:
            import rtslib  # RHEL's python3-rtslib
        except ImportError:
            print(json.dumps({"failed": True, "msg": "the rtslib-fb Python library is not installed"}))
            return 1

    if args.check and not os.path.isdir(CONFIGFS_ISCSI):
        # iscsi_target_mod is not loaded yet (check mode loaded nothing): all of it would be made.
        actions = ["create target %s" % args.iqn, "create TPG 1", "enable TPG 1"]
        actions.extend("add portal %s:%d" % (address, args.port) for address in args.address)
        print(json.dumps({"changed": True, "actions": actions, "saved": False}))
        return 0

    try:
        fabric = rtslib.FabricModule("iscsi")
        wanted = [(address, args.port) for address in args.address]
        target, tpg, actions = plan(fabric, args.iqn, wanted)
        saved = False
        if actions and not args.check:
            apply(rtslib, fabric, target, tpg, args.iqn, wanted)
            # What rtslib-fb-targetctl (target.service on RHEL) restores at boot.
            rtslib.RTSRoot().save_to_file()
            saved = True
    except Exception as error:  # rtslib raises RTSLibError and plain OSError alike
        print(json.dumps({"failed": True, "msg": "LIO portal %s port %d: %s" % (", ".join(args.address), args.port, error)}))
        return 1
    print(json.dumps({"changed": bool(actions), "actions": actions, "saved": saved}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
