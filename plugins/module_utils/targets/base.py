# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every iSCSI target backend shares: the export model, planning, diff views, files.

An export is one target `<prefix>:<volume>` with one LUN backed by the volume's block device and
an ACL for exactly one initiator, which logs in with CHAP credentials of its own; with mutual
CHAP the target proves itself to the initiator with a second pair of credentials. A backend
(lio, tgt, iet: one file each) only knows how to read its exports and how to apply three
primitives; deciding what to change, and in which order, happens once, here.

Backend interface (what target_export and other callers use):
    exports()                       -> {target_iqn: {iqn, device, lun, acls, chap_users, mutual_users
                                                     [, portals: [(address, port), ...] where
                                                     the backend has portals per target]}}
    sessions(iqn)                   -> initiator IQNs logged in to the target now
    sessions_after(iqn, wait)       -> the same, once none is left or `wait` seconds have passed
    chap_secret(iqn, initiator, mutual=False)
                                    -> the initiator's CHAP password (with mutual, the target's
                                       password for that initiator) as live now, or None
    saved_credentials(iqn, initiator) -> {chap_user, chap_password, mutual_user, mutual_password}
                                       from the saved configuration (mutual ones None when the
                                       saved export has no mutual CHAP), or None
    plan(spec)                      -> list of actions ensure_export(spec) would take ([] = none)
    ensure_export(spec)             -> the actions taken (the same list as plan)
    remove_export(iqn, force=False) -> True if something was removed
    discovery_credentials()         -> (user, secret) a SendTargets discovery must log in with, or None
    plan_discovery(credentials, current)
                                    -> the actions that make discovery ask for `credentials`
                                       (None: for none), from `current` as discovery_credentials() read it
    set_discovery(credentials, actions) -> take those actions
A spec is a dict: iqn, device, initiator, chap_user, chap_password, mutual_user, mutual_password
(both None without mutual CHAP), portals (the (address, port) pairs the target is reached on:
several for multipath).

Portals: which portals a target should have, and in which order they are added and removed, is
decided here; a backend with portals per target (lio) only knows how to make and remove one
(_add_portal, _remove_portal). Backends whose daemon listens for every target at once (tgt,
iet) report no portals, and the host-wide listener is the iscsi_target role's business.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import secrets
import string
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import files

SECRET_MASK = "********"

# CHAP secrets: 32 letters and digits (about 190 bits; CHAP is offline-guessable from one
# sniffed exchange, so the secret's length is its whole defence). open-iscsi, LIO, tgt and IET
# take up to 255; letters and digits need no quoting in ietd.conf / tgt's conf files or
# iscsiadm's node records. (Windows initiators would want 12-16: they are not ours.)
_SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 32


class BackendError(Exception):
    """A backend cannot do what was asked; the message is meant for the user."""


def new_chap_credentials(volume, prefix="nv"):
    """A fresh CHAP user and secret for one attachment (prefix "nvt": the target's, for mutual CHAP).

    The user name carries the volume name (readable in target listings) and a random part, so
    that accounts never collide in backends where they are global (tgt, iet).
    """
    user = "%s-%s-%s" % (prefix, volume[:40], secrets.token_hex(4))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _position in range(SECRET_LENGTH))
    return user, secret


def saved_pairs(chap, mutual=None):
    """saved_credentials()'s answer from the (user, secret) pairs found in a saved configuration."""
    mutual_user, mutual_password = mutual or (None, None)
    return dict(chap_user=chap[0], chap_password=chap[1], mutual_user=mutual_user, mutual_password=mutual_password)


class LocalFiles:
    """File-system access of the backends that keep their own config files (tgt, iet).

    One small object so that unit tests can hand a backend an in-memory fake instead.
    """

    def read(self, path):
        """The file's text, or None when it does not exist."""
        try:
            with open(path) as handle:
                return handle.read()
        except (IOError, OSError):
            if os.path.exists(path):
                raise
            return None

    def write_private(self, path, text):
        """Replace the file atomically, readable by root only: it holds CHAP secrets."""
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        files.replace_file(path, text)

    def remove(self, path):
        if os.path.exists(path):
            os.unlink(path)

    def makedirs(self, directory):
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)

    def chmod_private(self, path):
        os.chmod(path, 0o600)

    def mode(self, path):
        """Permission bits of the file, or None when it does not exist."""
        try:
            return os.stat(path).st_mode & 0o777
        except OSError:
            return None


def export_view(export, secret_known=True):
    """An export as shown in a diff: ACL set, LUN, device, CHAP users; the secrets are masked.

    The mutual CHAP users appear only where the export has them, the portals only where the
    backend has portals per target.
    """
    if export is None:
        return {}
    view = dict(
        iqn=export["iqn"],
        device=export.get("device"),
        lun=export.get("lun"),
        acls=sorted(export.get("acls") or []),
        chap_users=dict(export.get("chap_users") or {}),
        chap_secret=SECRET_MASK if secret_known and export.get("chap_users") else None,
    )
    if export.get("mutual_users"):
        view["mutual_users"] = dict(export["mutual_users"])
    if export.get("portals") is not None:
        view["portals"] = [portal_text(*portal) for portal in export["portals"]]
    return view


def portal_text(address, port):
    """A portal as people and iscsiadm write it: 192.0.2.10:3260, [2001:db8::10]:3260."""
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


class TargetBackend:
    """Shared logic; subclasses implement the read and write primitives below."""

    kind = None
    # The LUN number the volume gets. tgt overrides it: its LUN 0 is always the controller.
    data_lun = 0
    # True where each target has portals of its own (lio); tgt and iet listen host-wide.
    per_target_portals = False

    def __init__(self, module, files=None):
        self.module = module
        self.files = files or LocalFiles()

    # ---- reads, per backend ---------------------------------------------------------------
    def exports(self):
        raise NotImplementedError

    def sessions(self, iqn):
        raise NotImplementedError

    def sessions_after(self, iqn, wait, interval=0.2):
        """The initiators logged in to `iqn` once none is left or `wait` seconds have passed.

        A detach that runs on both hosts at once (playbooks/volume_detach.yml) removes the export
        while the compute host logs out: the export waits here for the logout to reach the target.
        """
        deadline = time.monotonic() + wait
        while True:
            active = self.sessions(iqn)
            # Each read fresh, and none kept: the caller reads again under its locks.
            self.forget_reads()
            if not active or time.monotonic() >= deadline:
                return active
            time.sleep(interval)

    def forget_reads(self):
        """Read the live state again next time (a backend that keeps what it read overrides it)."""

    def chap_secret(self, iqn, initiator, mutual=False):
        raise NotImplementedError

    def saved_credentials(self, iqn, initiator):
        """The credentials of `initiator` in the saved configuration of `iqn`, or None.

        Used when the live export lost them (removed by hand): putting the same credentials
        back lets the initiator's own session recovery log in again by itself.
        """
        raise NotImplementedError

    def persisted(self, spec):
        """True when the backend's saved configuration already holds `spec` as it is live."""
        raise NotImplementedError

    # ---- write primitives, per backend ------------------------------------------------------
    def _create(self, spec):
        """Create the target with its LUN and the ACL of spec's initiator (nothing exists yet)."""
        raise NotImplementedError

    def _set_acl(self, spec, current):
        """Make spec's initiator, with spec's CHAP credentials, the only ACL of the target."""
        raise NotImplementedError

    def _delete(self, iqn, force):
        raise NotImplementedError

    def _add_portal(self, iqn, address, port):
        """Make the target reachable on address:port too (only where per_target_portals)."""
        raise NotImplementedError

    def _remove_portal(self, iqn, address, port):
        raise NotImplementedError

    def _save(self, spec=None, removed_iqn=None):
        """Persist the configuration so that it survives a reboot of the target host."""
        raise NotImplementedError

    # ---- shared logic -----------------------------------------------------------------------
    def export(self, iqn):
        return self.exports().get(iqn)

    @staticmethod
    def portal_changes(spec, current):
        """(portals to add, portals to remove) to take `current` to spec's portals.

        Added first and removed last, so that an initiator logged in on a portal that stays
        keeps its session throughout; none for a backend that reports no portals per target.
        """
        live = current.get("portals")
        if live is None:
            return [], []
        wanted = list(spec["portals"])
        return [p for p in wanted if p not in live], [p for p in live if p not in wanted]

    def plan(self, spec):
        """The actions ensure_export(spec) would take, in order; [] when the export is as wanted."""
        current = self.export(spec["iqn"])
        if current is None:
            return ["create target", "save configuration"]
        actions = []
        if current.get("device") != spec["device"] or current.get("lun") != self.data_lun:
            # A different volume behind the same name: the old export is stale; rebuild it.
            actions.extend(["delete target", "create target"])
        else:
            if not self._acl_matches(spec, current):
                actions.append("replace ACL")
            add, remove = self.portal_changes(spec, current)
            actions.extend("add portal %s" % portal_text(*portal) for portal in add)
            actions.extend("remove portal %s" % portal_text(*portal) for portal in remove)
        if actions or not self.persisted(spec):
            actions.append("save configuration")
        return actions

    def ensure_export(self, spec):
        actions = self.plan(spec)
        if not actions:
            return actions
        current = self.export(spec["iqn"])
        if "delete target" in actions:
            self._delete(spec["iqn"], force=True)
            current = None
        if "create target" in actions:
            try:
                self._create(spec)
            except Exception:
                # Leave nothing half-made behind: a target without its ACL is of no use.
                self._delete(spec["iqn"], force=True)
                raise
        else:
            if "replace ACL" in actions:
                self._set_acl(spec, current)
            self._change_portals(spec, current)
        self._save(spec=spec)
        return actions

    def _change_portals(self, spec, current):
        add, remove = self.portal_changes(spec, current)
        added = []
        try:
            for address, port in add:
                self._add_portal(spec["iqn"], address, port)
                added.append((address, port))
        except Exception:
            # Back to the portals the target had: a half-changed list is not what was planned.
            for address, port in added:
                self._remove_portal(spec["iqn"], address, port)
            raise
        for address, port in remove:
            self._remove_portal(spec["iqn"], address, port)

    def remove_export(self, iqn, force=False):
        current = self.export(iqn)
        if current is None:
            if self.persisted_elsewhere(iqn):
                self._save(removed_iqn=iqn)
                return True
            return False
        active = self.sessions(iqn)
        if active and not force:
            raise BackendError(
                "target %s has active sessions from %s: log the initiator out first "
                "(iscsi_session state=absent), or use force=true to drop them"
                % (iqn, ", ".join(sorted(active)))
            )
        self._delete(iqn, force=force)
        self._save(removed_iqn=iqn)
        return True

    def persisted_elsewhere(self, iqn):
        """True when the saved configuration still has a target that is no longer live."""
        return False

    # ---- discovery authentication (one setting of the whole target host) ---------------------
    def discovery_credentials(self):
        raise BackendError("discovery authentication is not available with the %s backend" % self.kind)

    def discovery_persisted(self, credentials):
        """True when the saved configuration asks discovery sessions for `credentials` (None: for none)."""
        raise NotImplementedError

    def _set_discovery(self, credentials):
        raise NotImplementedError

    def _save_discovery(self, credentials):
        """Persist the discovery setting (the whole saved configuration, where it is one file)."""
        self._save()

    def plan_discovery(self, credentials, current):
        actions = []
        if current != credentials:
            actions.append("disable discovery authentication" if credentials is None
                           else "set discovery authentication")
        if actions or not self.discovery_persisted(credentials):
            actions.append("save configuration")
        return actions

    def set_discovery(self, credentials, actions):
        if not actions:
            return
        if actions[0] != "save configuration":
            self._set_discovery(credentials)
        self._save_discovery(credentials)

    def _acl_matches(self, spec, current):
        initiator = spec["initiator"]
        return (
            sorted(current.get("acls") or []) == [initiator]
            and (current.get("chap_users") or {}).get(initiator) == spec["chap_user"]
            and self.chap_secret(spec["iqn"], initiator) == spec["chap_password"]
            and (current.get("mutual_users") or {}).get(initiator) == spec.get("mutual_user")
            and (spec.get("mutual_user") is None or self.chap_secret(spec["iqn"], initiator, mutual=True) == spec["mutual_password"])
        )
