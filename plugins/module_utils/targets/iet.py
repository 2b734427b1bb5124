# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iSCSI Enterprise Target (ietd), driven with ietadm and persisted in /etc/iet/ietd.conf.

Tested with recorded command output and recorded /proc/net/iet files only: no distribution
this project runs on ships iscsitarget any more (Debian 12 has neither iscsitarget nor its
DKMS module), so this backend has never run against a live ietd here.

Live state: /proc/net/iet/volume (targets and LUNs) and /proc/net/iet/session (logged-in
initiators). The ACL is the target's line in /etc/iet/initiators.allow, which ietd reads at
every discovery and login. ietd.conf (mode 0600, it holds CHAP secrets) gets one block per
exported volume, rewritten in place; other blocks in the file are left as they are.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import TargetBackend, saved_pairs

VOLUME_FILE = "/proc/net/iet/volume"
SESSION_FILE = "/proc/net/iet/session"
CONF_FILE = "/etc/iet/ietd.conf"
ALLOW_FILE = "/etc/iet/initiators.allow"

_FIELDS = re.compile(r"(\w+):(\S+)")


def ietadm_runner(module):
    return CommandRunner(
        module,
        "ietadm",
        dict(
            op=fmt.opt_eq_val("--op"),
            tid=fmt.opt_eq_val("--tid"),
            lun=fmt.opt_eq_val("--lun"),
            sid=fmt.opt_eq_val("--sid"),
            cid=fmt.opt_eq_val("--cid"),
            user=fmt.fixed("--user"),
            params=fmt.opt_eq_val("--params"),
        ),
    )


def parse_proc(text):
    """/proc/net/iet/{volume,session} -> list of targets: {tid, name, children: [fields...]}.

    Lines at the left margin start a target; indented lines belong to it (LUNs in the volume
    file; sessions, then their connections, in the session file).
    """
    targets = []
    for line in (text or "").splitlines():
        fields = dict(_FIELDS.findall(line))
        if not fields:
            continue
        if not line[:1].isspace():
            targets.append(dict(tid=int(fields["tid"]), name=fields.get("name"), children=[]))
        elif targets:
            targets[-1]["children"].append(fields)
    return targets


def conf_blocks(text):
    """ietd.conf -> list of (target IQN or None for text before the first target, block lines)."""
    blocks = [(None, [])]
    for line in (text or "").splitlines():
        words = line.split()
        if words[:1] == ["Target"] and len(words) > 1:
            blocks.append((words[1], []))
        blocks[-1][1].append(line)
    return blocks


def render_block(spec):
    outgoing = ["    OutgoingUser %s %s" % (spec["mutual_user"], spec["mutual_password"])] if spec.get("mutual_user") else []
    return [
        "Target %s" % spec["iqn"],
        "    IncomingUser %s %s" % (spec["chap_user"], spec["chap_password"]),
    ] + outgoing + [
        "    Lun 0 Path=%s,Type=blockio" % spec["device"],
    ]


def _users(lines, kind):
    """(user, secret) of every `kind` line (IncomingUser, OutgoingUser) of a target's block."""
    return [tuple(line.split()[1:]) for line in lines or [] if line.split()[:1] == [kind] and len(line.split()) == 3]


def _replace_line(text, iqn, line):
    """`text` with the line of `iqn` (first word) replaced by `line`, or removed when None."""
    lines = [kept for kept in (text or "").splitlines() if kept.split()[:1] != [iqn]]
    if line is not None:
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


class IetBackend(TargetBackend):
    kind = "iet"

    def __init__(self, module, files=None):
        super(IetBackend, self).__init__(module, files)
        self.ietadm = ietadm_runner(module)

    def _conf_block(self, iqn):
        for name, lines in conf_blocks(self.files.read(CONF_FILE)):
            if name == iqn:
                return lines
        return None

    def _allowed(self):
        allowed = {}
        for line in (self.files.read(ALLOW_FILE) or "").splitlines():
            words = line.split(None, 1)
            if len(words) == 2 and not words[0].startswith("#"):
                allowed[words[0]] = sorted(word.strip() for word in words[1].split(",") if word.strip())
        return allowed

    # ---- reads ------------------------------------------------------------------------------
    def exports(self):
        allowed = self._allowed()
        exports = {}
        for target in parse_proc(self.files.read(VOLUME_FILE)):
            iqn = target["name"]
            luns = dict((int(lun["lun"]), lun.get("path")) for lun in target["children"] if "lun" in lun)
            lun = min(luns) if luns else None
            block = self._conf_block(iqn)
            users = [user for user, _secret in _users(block, "IncomingUser")]
            outgoing = [user for user, _secret in _users(block, "OutgoingUser")]
            acls = allowed.get(iqn, [])
            exports[iqn] = dict(
                iqn=iqn,
                device=luns.get(lun),
                lun=lun,
                acls=acls,
                chap_users=dict((acl, users[0]) for acl in acls if users),
                mutual_users=dict((acl, outgoing[0]) for acl in acls if outgoing),
                tid=target["tid"],
                accounts=users,
                outgoing=outgoing,
            )
        return exports

    def _sessions(self, iqn):
        for target in parse_proc(self.files.read(SESSION_FILE)):
            if target["name"] == iqn:
                return [child for child in target["children"] if "sid" in child]
        return []

    def sessions(self, iqn):
        return sorted(set(session["initiator"] for session in self._sessions(iqn)))

    def chap_secret(self, iqn, initiator, mutual=False):
        user = ((self.export(iqn) or {}).get("mutual_users" if mutual else "chap_users") or {}).get(initiator)
        for name, secret in _users(self._conf_block(iqn), "OutgoingUser" if mutual else "IncomingUser"):
            if name == user:
                return secret
        return None

    def saved_credentials(self, iqn, initiator):
        if self._allowed().get(iqn) != [initiator]:
            return None
        block = self._conf_block(iqn)
        users, outgoing = _users(block, "IncomingUser"), _users(block, "OutgoingUser")
        if not users:
            return None
        return saved_pairs(users[0], outgoing[0] if outgoing else None)

    def persisted(self, spec):
        return (
            self._conf_block(spec["iqn"]) == render_block(spec)
            and self.files.mode(CONF_FILE) == 0o600
            and self._allowed().get(spec["iqn"]) == [spec["initiator"]]
        )

    def persisted_elsewhere(self, iqn):
        return self._conf_block(iqn) is not None or iqn in self._allowed()

    # Discovery authentication is ietd.conf's IncomingUser before the first Target (tid 0 live).
    # Only ietd.conf tells it: ietd has no listing of its global accounts.
    def discovery_credentials(self):
        users = _users(self._conf_block(None), "IncomingUser")
        return users[0] if users else None

    def discovery_persisted(self, credentials):
        return self.files.mode(CONF_FILE) == 0o600 or (credentials is None and self.files.read(CONF_FILE) is None)

    def _set_discovery(self, credentials):
        for user, _secret in _users(self._conf_block(None), "IncomingUser"):
            self.ietadm.run("op tid user params", op="delete", tid=0, user=True, params="IncomingUser=%s" % user)
        if credentials is not None:
            self.ietadm.run("op tid user params", op="new", tid=0, user=True,
                            params="IncomingUser=%s,Password=%s" % credentials)

    def _save_discovery(self, credentials):
        blocks = conf_blocks(self.files.read(CONF_FILE))
        header = [line for line in blocks[0][1] if line.split()[:1] != ["IncomingUser"]]
        if credentials is not None:
            header.append("IncomingUser %s %s" % credentials)
        text = "\n".join(line for lines in [header] + [lines for _name, lines in blocks[1:]] for line in lines)
        self.files.write_private(CONF_FILE, text.rstrip("\n") + "\n" if text.strip() else "")

    # ---- writes -----------------------------------------------------------------------------
    def _create(self, spec):
        tids = [target["tid"] for target in parse_proc(self.files.read(VOLUME_FILE))]
        tid = max(tids) + 1 if tids else 1
        self.ietadm.run("op tid params", op="new", tid=tid, params="Name=%s" % spec["iqn"])
        self.ietadm.run("op tid lun params", op="new", tid=tid, lun=0, params="Path=%s,Type=blockio" % spec["device"])
        self._add_user(tid, spec)
        self._write_allow(spec["iqn"], spec["initiator"])

    def _add_user(self, tid, spec):
        self.ietadm.run(
            "op tid user params", op="new", tid=tid, user=True,
            params="IncomingUser=%s,Password=%s" % (spec["chap_user"], spec["chap_password"]),
        )
        if spec.get("mutual_user"):
            self.ietadm.run(
                "op tid user params", op="new", tid=tid, user=True,
                params="OutgoingUser=%s,Password=%s" % (spec["mutual_user"], spec["mutual_password"]),
            )

    def _write_allow(self, iqn, initiator):
        line = None if initiator is None else "%s %s" % (iqn, initiator)
        self.files.write_private(ALLOW_FILE, _replace_line(self.files.read(ALLOW_FILE), iqn, line))

    def _set_acl(self, spec, current):
        for user in current["accounts"]:
            self.ietadm.run("op tid user params", op="delete", tid=current["tid"], user=True, params="IncomingUser=%s" % user)
        for user in current["outgoing"]:
            self.ietadm.run("op tid user params", op="delete", tid=current["tid"], user=True, params="OutgoingUser=%s" % user)
        for session in self._sessions(spec["iqn"]):
            self.ietadm.run("op tid sid cid", op="delete", tid=current["tid"], sid=session["sid"], cid=0)
        self._add_user(current["tid"], spec)
        self._write_allow(spec["iqn"], spec["initiator"])

    def _delete(self, iqn, force):
        current = self.export(iqn)
        if current is None:
            return
        if force:
            for session in self._sessions(iqn):
                self.ietadm.run("op tid sid cid", op="delete", tid=current["tid"], sid=session["sid"], cid=0)
        self.ietadm.run("op tid lun", op="delete", tid=current["tid"], lun=0)
        self.ietadm.run("op tid", op="delete", tid=current["tid"])

    def _save(self, spec=None, removed_iqn=None):
        iqn = spec["iqn"] if spec is not None else removed_iqn
        blocks = [(name, lines) for name, lines in conf_blocks(self.files.read(CONF_FILE)) if name != iqn]
        if spec is not None:
            blocks.append((iqn, render_block(spec)))
        text = "\n".join(line for _name, lines in blocks for line in lines)
        self.files.write_private(CONF_FILE, text.rstrip("\n") + "\n" if text.strip() else "")
        if removed_iqn is not None:
            self._write_allow(removed_iqn, None)
