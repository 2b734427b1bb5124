# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SCSI target framework (tgtd), driven with tgtadm and persisted under /etc/tgt/conf.d.

tgt always puts its controller at LUN 0, so the volume is LUN 1 (as with Cinder's tgt driver).
CHAP accounts are global in tgt: each attachment gets its own account, bound to its target (and,
with mutual CHAP, a second one bound as the target's outgoing account).
The live state comes from `tgtadm --mode target --op show`; /etc/tgt/conf.d/<volume>.conf
(mode 0600, it holds the CHAP secret) is what tgt.service loads at boot, and is where the
secret is read back from so that a re-run reuses it. tgtd listens on every address, so the
portal address is not configured per target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError, CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import TargetBackend, saved_pairs

CONF_DIR = "/etc/tgt/conf.d"

CONF_TEMPLATE = """# Managed by novavolume.lvm_iscsi.target_export: changes made here are overwritten.
<target %(iqn)s>
    backing-store %(device)s
    initiator-name %(initiator)s
    incominguser %(chap_user)s %(chap_password)s
%(outgoing)s</target>
"""

_TARGET = re.compile(r"^Target (\d+): (\S+)$")
_INCOMING = re.compile(r"^\s*incominguser\s+(\S+)\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_OUTGOING = re.compile(r"^\s*outgoinguser\s+(\S+)\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def tgtadm_runner(module):
    return CommandRunner(
        module,
        "tgtadm",
        dict(
            mode=fmt.opt_val("--mode"),
            op=fmt.opt_val("--op"),
            tid=fmt.opt_val("--tid"),
            lun=fmt.opt_val("--lun"),
            targetname=fmt.opt_val("--targetname"),
            backing_store=fmt.opt_val("--backing-store"),
            initiator_name=fmt.opt_val("--initiator-name"),
            user=fmt.opt_val("--user"),
            password=fmt.opt_val("--password"),
            sid=fmt.opt_val("--sid"),
            cid=fmt.opt_val("--cid"),
            outgoing=fmt.fixed("--outgoing"),
            force=fmt.fixed("--force"),
        ),
        fixed_args=["--lld", "iscsi"],
    )


def parse_targets(out):
    """`tgtadm --mode target --op show` -> {iqn: {tid, luns: {n: path}, nexus, accounts, outgoing, acls}}.

    nexus is a list of logged-in sessions: {sid, initiator, cids}.
    """
    targets, target, section, lun = {}, None, None, None
    for line in out.splitlines():
        match = _TARGET.match(line)
        if match:
            target = dict(tid=int(match.group(1)), iqn=match.group(2), luns={}, nexus=[], accounts=[], outgoing=[], acls=[])
            targets[target["iqn"]] = target
            section = None
            continue
        if target is None or not line.strip():
            continue
        indent, text = len(line) - len(line.lstrip(" ")), line.strip()
        if indent == 4:
            section = text.rstrip(":")
        elif section == "LUN information":
            if text.startswith("LUN:"):
                lun = int(text.split(":", 1)[1])
            elif text.startswith("Backing store path:") and lun is not None:
                path = text.split(":", 1)[1].strip()
                if path and path != "None":
                    target["luns"][lun] = path
        elif section == "I_T nexus information" and text.startswith("Initiator:"):
            target["nexus"][-1]["initiator"] = text.split()[1]
        elif section == "I_T nexus information" and text.startswith("I_T nexus:"):
            target["nexus"].append(dict(sid=int(text.split(":", 1)[1]), initiator=None, cids=[]))
        elif section == "I_T nexus information" and text.startswith("Connection:") and target["nexus"]:
            target["nexus"][-1]["cids"].append(int(text.split(":", 1)[1]))
        elif section == "Account information" and indent == 8:
            if text.endswith("(outgoing)"):
                target["outgoing"].append(text[:-len("(outgoing)")].strip())
            else:
                target["accounts"].append(text)
        elif section == "ACL information" and indent == 8:
            target["acls"].append(text)
    return targets


def render_conf(spec):
    outgoing = "    outgoinguser %(mutual_user)s %(mutual_password)s\n" % spec if spec.get("mutual_user") else ""
    return CONF_TEMPLATE % dict(spec, outgoing=outgoing)


class TgtBackend(TargetBackend):
    kind = "tgt"
    data_lun = 1

    def __init__(self, module, files=None):
        super(TgtBackend, self).__init__(module, files)
        self.tgtadm = tgtadm_runner(module)
        self.conf_dir = CONF_DIR
        self._shown = None

    def conf_path(self, iqn):
        return "%s/%s.conf" % (self.conf_dir, iqn.rsplit(":", 1)[-1])

    def _targets(self):
        """The live targets, read once until something is changed."""
        if self._shown is None:
            _rc, out, _err = self.tgtadm.run("mode op", mode="target", op="show")
            self._shown = parse_targets(out)
        return self._shown

    def forget_reads(self):
        self._shown = None

    def _change(self, args_order, **values):
        self.forget_reads()
        self.tgtadm.run(args_order, **values)

    def _drop_sessions(self, tid, nexus, keep=None):
        for session in nexus:
            if session["initiator"] != keep:
                for cid in session["cids"]:
                    self._change("mode op tid sid cid", mode="conn", op="delete", tid=tid, sid=session["sid"], cid=cid)

    # ---- reads ------------------------------------------------------------------------------
    def exports(self):
        exports = {}
        for iqn, target in self._targets().items():
            lun = min(target["luns"]) if target["luns"] else None
            # Accounts belong to the target, not to an ACL entry; with our one-initiator ACL
            # they are that initiator's.
            account = target["accounts"][0] if target["accounts"] else None
            outgoing = target["outgoing"][0] if target["outgoing"] else None
            exports[iqn] = dict(
                iqn=iqn,
                device=target["luns"].get(lun),
                lun=lun,
                acls=sorted(target["acls"]),
                chap_users=dict((acl, account) for acl in target["acls"] if account),
                mutual_users=dict((acl, outgoing) for acl in target["acls"] if outgoing),
                tid=target["tid"],
                accounts=list(target["accounts"]),
                outgoing=list(target["outgoing"]),
                nexus=list(target["nexus"]),
            )
        return exports

    def sessions(self, iqn):
        target = self._targets().get(iqn)
        return sorted(set(session["initiator"] for session in target["nexus"])) if target else []

    def chap_secret(self, iqn, initiator, mutual=False):
        export = self.export(iqn)
        user = (export or {}).get("mutual_users" if mutual else "chap_users", {}).get(initiator)
        for name, secret in (_OUTGOING if mutual else _INCOMING).findall(self.files.read(self.conf_path(iqn)) or ""):
            if name == user:
                return secret
        return None

    def saved_credentials(self, iqn, initiator):
        text = self.files.read(self.conf_path(iqn)) or ""
        names = re.findall(r"^\s*initiator-name\s+(\S+)\s*$", text, re.MULTILINE)
        users, outgoing = _INCOMING.findall(text), _OUTGOING.findall(text)
        if names != [initiator] or not users:
            return None
        return saved_pairs(users[0], outgoing[0] if outgoing else None)

    def persisted(self, spec):
        path = self.conf_path(spec["iqn"])
        return self.files.read(path) == render_conf(spec) and self.files.mode(path) == 0o600

    def persisted_elsewhere(self, iqn):
        return self.files.read(self.conf_path(iqn)) is not None

    # ---- writes -----------------------------------------------------------------------------
    def _create(self, spec):
        tids = [target["tid"] for target in self._targets().values()]
        tid = max(tids) + 1 if tids else 1
        self._change("mode op tid targetname", mode="target", op="new", tid=tid, targetname=spec["iqn"])
        self._change(
            "mode op tid lun backing_store",
            mode="logicalunit", op="new", tid=tid, lun=self.data_lun, backing_store=spec["device"],
        )
        self._bind(tid, spec)

    def _bind(self, tid, spec):
        self._change("mode op tid initiator_name", mode="target", op="bind", tid=tid, initiator_name=spec["initiator"])
        self._new_account(spec["chap_user"], spec["chap_password"])
        self._change("mode op tid user", mode="account", op="bind", tid=tid, user=spec["chap_user"])
        if spec.get("mutual_user"):
            self._new_account(spec["mutual_user"], spec["mutual_password"])
            self._change("mode op tid user outgoing", mode="account", op="bind", tid=tid, user=spec["mutual_user"], outgoing=True)

    def _new_account(self, user, password):
        # Accounts outlive their targets in tgtd: one left behind by a target deleted outside this
        # module (by hand, or a run that died between two commands) is replaced, so that the
        # secret in use is the one saved with the export.
        values = dict(mode="account", op="new", user=user, password=password)
        self._shown = None
        rc, out, err = self.tgtadm.run("mode op user password", check=False, **values)
        if rc == 0:
            return
        if "already exists" not in err:
            raise CommandError(self.tgtadm.argv("mode op user password", **values), rc, out, err)
        self._change("mode op user", mode="account", op="delete", user=user)
        self._change("mode op user password", **values)

    def _set_acl(self, spec, current):
        tid = current["tid"]
        # A new ACL means the volume moves (force was checked by the caller): the old
        # initiator's sessions go too, or it would keep writing to the disk.
        self._drop_sessions(tid, current["nexus"], keep=spec["initiator"])
        for acl in current["acls"]:
            self._change("mode op tid initiator_name", mode="target", op="unbind", tid=tid, initiator_name=acl)
        for user in current["accounts"]:
            self._change("mode op tid user", mode="account", op="unbind", tid=tid, user=user)
            self._change("mode op user", mode="account", op="delete", user=user)
        for user in current["outgoing"]:
            self._change("mode op tid user outgoing", mode="account", op="unbind", tid=tid, user=user, outgoing=True)
            self._change("mode op user", mode="account", op="delete", user=user)
        self._bind(tid, spec)

    def _delete(self, iqn, force):
        current = self.export(iqn)
        if current is None:
            return
        if force:
            self._drop_sessions(current["tid"], current["nexus"])
        self._change("mode op force tid", mode="target", op="delete", force=force, tid=current["tid"])
        for user in current["accounts"] + current["outgoing"]:
            self._change("mode op user", mode="account", op="delete", user=user)

    def _save(self, spec=None, removed_iqn=None):
        if spec is not None:
            self.files.write_private(self.conf_path(spec["iqn"]), render_conf(spec))
        if removed_iqn is not None:
            self.files.remove(self.conf_path(removed_iqn))
