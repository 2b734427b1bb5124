# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnose why a compute host cannot reach a volume's iSCSI target, one check after another.

Each check answers one question an operator would ask by hand (does the name resolve, does the
port answer, does the target speak iSCSI, is our target offered, are we in its ACL) and says
what it saw and what to do about it in plain words. Nothing here changes the host: discovery
runs with `-o nonpersistent`, so neither the node database nor the discovery database is touched.

The socket calls and the initiator-name read are small module-level functions so that unit
tests replace them; iscsiadm runs through module_utils/iscsiadm.py's runner, the one the session
module uses, but with every exit code returned: a failed discovery is evidence here, not an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import socket

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import iscsiadm
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.host_state import parse_address
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.iscsiadm import RC_AUTH_FAILED
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.iscsiadm import RC_NO_OBJECTS
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.iscsiadm import iscsiadm_runner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.iscsiadm import parse_records
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.iscsiadm import portal_of

INITIATOR_NAME_FILE = "/etc/iscsi/initiatorname.iscsi"

CHECK_NAMES = ("resolve", "connect", "discovery", "target", "acl")

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"

# More iscsiadm exit codes (open-iscsi include/iscsi_err.h) a discovery can end with; "nothing
# offered" (RC_NO_OBJECTS) and "authentication refused" (RC_AUTH_FAILED) come from iscsiadm.py.
ISCSI_ERR_TRANS = 4  # could not connect / transport error
ISCSI_ERR_LOGIN = 5
ISCSI_ERR_TRANS_TIMEOUT = 8
ISCSI_ERR_PDU_TIMEOUT = 11
ISCSI_ERR_ISCSID_COMM = 18
ISCSI_ERR_FATAL_LOGIN = 19
ISCSI_ERR_ISCSID_NOTCONN = 20


# --- the host-facing calls, replaced in unit tests -------------------------------------------


def resolve_host(host, port):
    """Addresses of `host` (IPv4 first, as open-iscsi prefers them); raises socket.gaierror."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    addresses = []
    for family, _type, _proto, _name, sockaddr in sorted(infos, key=lambda info: info[0] != socket.AF_INET):
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


def tcp_connect(address, port, timeout):
    """Open and close a TCP connection. Returns None on success, else the OSError's errno name.

    'ETIMEDOUT' stands for both a kernel timeout and our own `timeout` running out.
    """
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except socket.timeout:
        return "ETIMEDOUT"
    except OSError as error:
        return errno.errorcode.get(error.errno, "E%s" % (error.errno,))
    finally:
        sock.close()
    return None


def read_initiator_name(path=INITIATOR_NAME_FILE):
    """The InitiatorName= of open-iscsi's configuration, or None when it is missing."""
    try:
        with open(path) as handle:
            for line in handle:
                line = line.strip()
                if line.startswith("InitiatorName="):
                    return line.split("=", 1)[1].strip() or None
    except (IOError, OSError):
        return None
    return None


# --- the checks ----------------------------------------------------------------------------


def _check(name, status, evidence, fix=""):
    return dict(name=name, status=status, evidence=evidence, fix=fix)


_CONNECT_FAILURES = {
    "ECONNREFUSED": (
        "refused",
        "nothing listens on {address}:{port}, or a firewall rejects it: start the target service on "
        "the controller (LIO: rtslib-fb-targetctl and a portal on {address}:{port}; tgt: tgt.service), "
        "check that this is the right port, and if the service runs, open port {port} on the "
        "controller's firewall",
    ),
    "EHOSTUNREACH": (
        "no route to host",
        "{address} is not reachable from this host: check that the controller is up and on the "
        "network, that this host's storage network interface is up, and that no firewall rejects "
        "with host-unreachable",
    ),
    "ENETUNREACH": (
        "network unreachable",
        "this host has no route to {address}: add a route to the controller's network or bring "
        "the storage network interface up",
    ),
    "ETIMEDOUT": (
        "timed out",
        "packets to {address}:{port} get no answer: open port {port} on the controller's firewall "
        "(a DROP rule gives exactly this), and check the network path between this host and the "
        "controller (link down, controller hung)",
    ),
}


def check_resolve(host, port):
    """-> (check, addresses)"""
    try:
        addresses = resolve_host(host, port)
    except (socket.gaierror, UnicodeError) as error:
        return (
            _check(
                "resolve",
                FAIL,
                "Cannot resolve host %s: %s" % (host, getattr(error, "strerror", None) or error),
                "add a hosts record for %s (/etc/hosts on this host) or a DNS record, or give the "
                "controller's address as the portal" % host,
            ),
            [],
        )
    if not addresses:
        return (
            _check("resolve", FAIL, "Cannot resolve host %s: no address" % host, "add a hosts record for %s" % host),
            [],
        )
    return _check("resolve", PASS, "%s resolves to %s" % (host, ", ".join(addresses))), addresses


def check_connect(addresses, port, timeout):
    """-> (check, the address that answered or None). Tries each address in turn."""
    failures = []
    for address in addresses:
        error_name = tcp_connect(address, port, timeout)
        if error_name is None:
            return _check("connect", PASS, "TCP connection to %s accepted" % portal_of(address, port)), address
        failures.append((address, error_name))
    address, error_name = failures[0]
    label, fix = _CONNECT_FAILURES.get(
        error_name, ("failed (%s)" % error_name, "check the network between this host and {address}:{port}")
    )
    evidence = "; ".join(
        "TCP connection to %s %s (%s)" % (portal_of(addr, port), _CONNECT_FAILURES.get(name, ("failed",))[0], name)
        for addr, name in failures
    )
    if error_name == "ETIMEDOUT":
        evidence += " after %ss" % (timeout,)
    return _check("connect", FAIL, evidence, fix.format(address=address, port=port)), None


def check_discovery(module, address, port):
    """-> (check, offered targets or None)"""
    portal = portal_of(address, port)
    rc, out, err = iscsiadm_runner(module).run(
        "mode type portal op", check=False, mode="discovery", type="sendtargets", portal=portal, op="nonpersistent"
    )
    detail = " ".join((err or out or "").split()) or "no output"
    if rc in (0, RC_NO_OBJECTS):
        offered = parse_records(out)
        return _check("discovery", PASS, "sendtargets on %s offered %d target(s)" % (portal, len(offered))), offered
    if rc == RC_AUTH_FAILED:
        fix = (
            "the controller requires discovery authentication: disable discovery CHAP on the "
            "controller or configure discovery credentials on this host"
        )
    elif rc in (ISCSI_ERR_ISCSID_COMM, ISCSI_ERR_ISCSID_NOTCONN):
        fix = "iscsid is not running on this host: start it (systemctl start iscsid.socket iscsid)"
    elif rc in (
        ISCSI_ERR_TRANS,
        ISCSI_ERR_TRANS_TIMEOUT,
        ISCSI_ERR_PDU_TIMEOUT,
        ISCSI_ERR_LOGIN,
        ISCSI_ERR_FATAL_LOGIN,
    ):
        fix = (
            "port %d answers but no iSCSI discovery session could be made: check that the "
            "target service (not another program) listens there, and the controller's kernel log" % port
        )
    else:
        fix = "run the discovery by hand with -d 8 for details: iscsiadm -m discovery -t st -p %s -d 8" % portal
    return _check("discovery", FAIL, "sendtargets on %s failed (rc=%s): %s" % (portal, rc, detail), fix), None


def check_target(target_iqn, offered, initiator_iqn, acl):
    names = sorted(set(entry["target"] for entry in offered))
    if target_iqn in names:
        portals = sorted(set(entry["portal"] for entry in offered if entry["target"] == target_iqn))
        return _check("target", PASS, "%s is offered on %s" % (target_iqn, ", ".join(portals)))
    evidence = "%s is not offered; offered: %s" % (target_iqn, ", ".join(names) if names else "none")
    fix = (
        "export the volume on the controller (target_export, or re-run the attach), or check "
        "the target name (the volume's name after the prefix)"
    )
    if acl is not None and initiator_iqn not in acl:
        # A target hides itself from initiators outside its ACL (LIO with demo_mode_discovery=0,
        # as target_export sets it), so the ACL explains the missing target: say so up front.
        evidence += "; %s is not in its ACL (ACL: %s)" % (initiator_iqn, ", ".join(acl) if acl else "empty")
        fix = (
            "this initiator (%s) is not in the target's ACL, and the controller hides targets "
            "from initiators outside their ACL: add it to the ACL (re-run the attach for this "
            "host); else %s" % (initiator_iqn, fix)
        )
    return _check("target", FAIL, evidence, fix)


def check_acl(target_iqn, initiator_iqn, acl):
    if acl is None:
        return _check("acl", SKIPPED, "no ACL given (pass the export's ACL from the controller to check it)")
    if not initiator_iqn:
        return _check(
            "acl",
            FAIL,
            "this host has no initiator name (%s missing or empty)" % INITIATOR_NAME_FILE,
            "install open-iscsi and give this host its own InitiatorName, then re-run the attach",
        )
    if initiator_iqn in acl:
        return _check("acl", PASS, "%s is in the ACL of %s" % (initiator_iqn, target_iqn))
    return _check(
        "acl",
        FAIL,
        "%s is not in the ACL of %s (ACL: %s)" % (initiator_iqn, target_iqn, ", ".join(acl) if acl else "empty"),
        "add this initiator to the target's ACL: re-run the attach for this host "
        "(playbooks/volume_attach.yml), which writes the ACL for the attaching initiator",
    )


def _skip(names, failed):
    return [_check(name, SKIPPED, "not run: %s failed" % failed) for name in names]


def run_checks(module, host, port, target_iqn, initiator_iqn, acl, timeout):
    """All checks in order; once one fails the rest are skipped. -> (checks, ok, diagnosis, the
    portal's address that was resolved first, or answered: None when the name did not resolve)"""
    checks = []
    address = None

    def stop(failed_check):
        checks.append(failed_check)
        later = CHECK_NAMES[CHECK_NAMES.index(failed_check["name"]) + 1 :]
        checks.extend(_skip(later, failed_check["name"]))
        return checks, False, "%s check failed: %s" % (failed_check["name"], failed_check["evidence"]), address

    check, addresses = check_resolve(host, port)
    if check["status"] == FAIL:
        return stop(check)
    checks.append(check)
    address = addresses[0]

    check, answered = check_connect(addresses, port, timeout)
    if check["status"] == FAIL:
        return stop(check)
    address = answered
    checks.append(check)

    check, offered = check_discovery(module, address, port)
    if check["status"] == FAIL:
        return stop(check)
    checks.append(check)

    check = check_target(target_iqn, offered, initiator_iqn, acl)
    if check["status"] == FAIL:
        return stop(check)
    checks.append(check)

    check = check_acl(target_iqn, initiator_iqn, acl)
    if check["status"] == FAIL:
        return stop(check)
    checks.append(check)

    if check["status"] == SKIPPED:
        diagnosis = "%s is reachable and offered at %s (ACL not checked)" % (target_iqn, portal_of(address, port))
    else:
        diagnosis = "%s is reachable, offered at %s and %s is in its ACL" % (
            target_iqn,
            portal_of(address, port),
            initiator_iqn,
        )
    return checks, True, diagnosis, address


# --- the paths of a multipath attachment -------------------------------------------------------

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"
UP = "up"


def _path_fix(path, network_down):
    """What to do about a path that is down, from what it showed."""
    portal, sid = path["portal"], path["session"]
    if sid is None:
        return ("this host has no session on %s: attach again with multipath (playbooks/volume_attach.yml -e "
                "multipath=true), which logs in on every portal and keeps the sessions already there" % portal)
    if path["session_state"] != "LOGGED_IN" and network_down:
        return ("the storage network between this host and %s is down (link, cable, switch, this host's interface "
                "on that network or the controller's address on it): repair it; open-iscsi logs session %d back "
                "in by itself and multipathd then reinstates the path, nothing to do on the host; meanwhile I/O "
                "goes over the other paths" % (portal, sid))
    if path["session_state"] != "LOGGED_IN":
        return ("%s answers, but session %d is %s: the target does not take it back (is the volume still exported "
                "on that portal with this host in its ACL? volume_info on the controller); attach again with "
                "multipath to log in there anew" % (portal, sid, path["session_state"] or "gone"))
    if path["device"] is None:
        return "session %d has no disk: rescan it (iscsiadm -m session -r %d --rescan) or attach again" % (sid, sid)
    if path["map"] is None:
        return ("/dev/%s is not a path of the map: have multipathd take it (multipathd add path %s) and check that "
                "multipath.conf does not blacklist it" % (path["device"], path["device"]))
    return ("session %d is logged in, but multipathd fails /dev/%s (SCSI state %s): look for the disk's errors in "
            "this host's kernel log; once it reads again multipathd reinstates it by itself (or: multipathd "
            "reinstate path %s)" % (sid, path["device"], path["device_state"], path["device"]))


def _describe_path(view, portal, session, the_map, seen_by_multipathd):
    """One path as the iSCSI layer, the SCSI layer and multipathd (None: not asked) show it."""
    sid = session["sid"] if session else None
    disks = view.session_disks(sid) if sid is not None else {}
    device = disks[min(disks)] if disks else None
    held = iscsiadm.multipath_map(view, [device]) if device else None
    seen = (seen_by_multipathd or {}).get(device)
    path = dict(
        portal=portal,
        session=sid,
        session_state=view.session_state(sid) if sid is not None else None,
        device=device,
        device_state=view.device_state(device) if device else None,
        map=held["name"] if held and the_map and held["name"] == the_map["name"] else None,
        multipath_state="%s %s" % (seen["dm_state"], seen["checker_state"]) if seen else None,
    )
    # Without multipathd's answer the kernel's map still fails over: the session and map decide.
    working = path["session_state"] == "LOGGED_IN" and path["map"] is not None and (
        seen_by_multipathd is None or (seen is not None and seen["dm_state"] == "active"))
    path["status"] = UP if working else DOWN
    return path


def _path_evidence(path, seen_by_multipathd, connect_check):
    if path["session"] is None:
        return "no session with the target on %s" % path["portal"]
    seen = ["session %d %s" % (path["session"], path["session_state"] or "gone")]
    if path["device"] is None:
        seen.append("no disk")
    else:
        seen.append("/dev/%s SCSI state %s" % (path["device"], path["device_state"]))
        if path["multipath_state"]:
            seen.append("multipathd: %s %s" % (path["device"], path["multipath_state"]))
        elif path["map"] is None:
            seen.append("/dev/%s is no path of the map" % path["device"])
        elif seen_by_multipathd is not None:
            seen.append("multipathd does not list /dev/%s" % path["device"])
    if connect_check:
        seen.append(connect_check["evidence"])
    return "; ".join(seen)


def diagnose_paths(module, view, target_iqn, port, first_address, extra_addresses, timeout):
    """The paths of a multipath attachment of `target_iqn`, each with its state, evidence and fix,
    and the map over them: -> (map or None, paths), or (None, None) when the attachment is no
    multipath one (no extra portals given, and no disk of the target on this host is a path of a map).

    The portals are `first_address`'s and the extra ones, in that order, then any other portal this
    host has a session with for the target. Only a path that is down and has a session is probed
    over the network (one TCP connection, `timeout` seconds at most): that tells a dead storage
    network from a target that refuses the session.
    """
    sessions = [item for item in iscsiadm.Iscsiadm(module).sessions() if item["target"] == target_iqn]
    portals = [iscsiadm.portal_of(address, port) for address in [first_address] + list(extra_addresses)]
    portals += [item["portal"] for item in sessions if item["portal"] not in portals]
    by_portal = dict((item["portal"], item) for item in sessions)
    disks = [disk for item in sessions for disk in view.session_disks(item["sid"]).values()]
    the_map = next((held for held in (iscsiadm.multipath_map(view, [disk]) for disk in disks) if held), None)
    if not extra_addresses and the_map is None:
        return None, None
    seen_by_multipathd, multipathd_error = iscsiadm.multipathd_paths(module) if the_map else (None, None)
    paths = []
    for portal in portals:
        path = _describe_path(view, portal, by_portal.get(portal), the_map, seen_by_multipathd)
        connect_check = None
        if path["status"] == DOWN and path["session"] is not None:
            address, path_port = parse_address(portal)  # iscsiadm's ADDR:PORT, [ADDR]:PORT for IPv6
            connect_check = check_connect([address], path_port, timeout)[0]
        path["evidence"] = _path_evidence(path, seen_by_multipathd, connect_check)
        network_down = connect_check is not None and connect_check["status"] == FAIL
        path["fix"] = _path_fix(path, network_down) if path["status"] == DOWN else ""
        paths.append(path)
    multipath = None
    if the_map:
        multipath = dict(name=the_map["name"], wwid=the_map["wwid"], device="/dev/mapper/%s" % the_map["name"],
                         queueing=None if multipathd_error else iscsiadm.multipathd_queueing(module, the_map["name"]),
                         multipathd_error=multipathd_error)
    return multipath, paths


def status_of(checks_ok, checks_diagnosis, paths):
    """(status, diagnosis): without paths, healthy or down as the checks say; with them, healthy
    when every check passed and every path is up, degraded while a path still works (the dead
    ones named with their evidence), down when none does."""
    if paths is None:
        return (HEALTHY if checks_ok else DOWN), checks_diagnosis
    down = [path for path in paths if path["status"] == DOWN]
    named = "; ".join("path %s is down (%s)" % (path["portal"], path["evidence"]) for path in down)
    if len(down) == len(paths):
        return DOWN, "no path works: " + named
    if not down:
        if checks_ok:
            return HEALTHY, "%s; all %d paths are up" % (checks_diagnosis, len(paths))
        return DEGRADED, checks_diagnosis
    up = [path["portal"] for path in paths if path["status"] == UP]
    diagnosis = "%d of %d paths down, I/O goes over %s: %s" % (len(down), len(paths), ", ".join(up), named)
    return DEGRADED, diagnosis if checks_ok else "%s; %s" % (diagnosis, checks_diagnosis)
