# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LIO (the Linux kernel target) through the Python library rtslib_fb.

targetcli is not used: it needs a system D-Bus. rtslib is imported only when this backend is
loaded, so the other backends and the unit tests do not need it. The whole LIO configuration
is saved with rtslib's own save_to_file() (/etc/rtslib-fb-target/saveconfig.json), which
rtslib-fb-targetctl.service restores at boot; the file holds CHAP secrets and is kept 0600.

Every target gets TPG 1 with authentication on, no generated (demo mode) ACLs, discovery only
for initiators that have an ACL, and one NodeACL with per-ACL CHAP for the attaching initiator
(with mutual CHAP, also the target's user and password in that NodeACL).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.base import (
    BackendError, TargetBackend, portal_text, saved_pairs)

SAVE_FILE = "/etc/rtslib-fb-target/saveconfig.json"

# TPG attributes that make the export private to its ACL.
TPG_ATTRIBUTES = dict(
    authentication="1",
    generate_node_acls="0",
    cache_dynamic_acls="0",
    demo_mode_write_protect="1",
    demo_mode_discovery="0",
)


def import_rtslib(module):
    try:
        import rtslib_fb  # pylint: disable=import-outside-toplevel
    except ImportError:
        module.fail_json(
            msg=missing_required_lib(
                "rtslib_fb",
                reason="for backend=lio (Debian/Ubuntu: python3-rtslib-fb, Fedora/RHEL: python3-rtslib)",
            )
        )
    return rtslib_fb


class LioBackend(TargetBackend):
    kind = "lio"
    per_target_portals = True

    def __init__(self, module, files=None, rtslib=None):
        super(LioBackend, self).__init__(module, files)
        self.rts = rtslib or import_rtslib(module)
        self.save_file = SAVE_FILE

    # ---- reads ------------------------------------------------------------------------------
    def _targets(self):
        return dict((target.wwn, target) for target in self.rts.FabricModule("iscsi").targets)

    @staticmethod
    def _tpg(target):
        tpgs = sorted(target.tpgs, key=lambda tpg: tpg.tag)
        return tpgs[0] if tpgs else None

    def exports(self):
        exports = {}
        for iqn, target in self._targets().items():
            tpg = self._tpg(target)
            lun = sorted(tpg.luns, key=lambda item: item.lun)[0] if tpg is not None and list(tpg.luns) else None
            acls = list(tpg.node_acls) if tpg is not None else []
            exports[iqn] = dict(
                iqn=iqn,
                device=lun.storage_object.udev_path if lun is not None else None,
                lun=lun.lun if lun is not None else None,
                acls=sorted(acl.node_wwn for acl in acls),
                chap_users=dict((acl.node_wwn, acl.chap_userid) for acl in acls if acl.chap_userid),
                mutual_users=dict((acl.node_wwn, acl.chap_mutual_userid) for acl in acls if acl.chap_mutual_userid),
                portals=self._portals(tpg),
            )
        return exports

    @staticmethod
    def _portals(tpg):
        return sorted((portal.ip_address, int(portal.port)) for portal in tpg.network_portals) if tpg is not None else []

    def sessions(self, iqn):
        target = self._targets().get(iqn)
        tpg = self._tpg(target) if target is not None else None
        if tpg is None:
            return []
        return sorted(acl.node_wwn for acl in tpg.node_acls if acl.session)

    def chap_secret(self, iqn, initiator, mutual=False):
        target = self._targets().get(iqn)
        tpg = self._tpg(target) if target is not None else None
        for acl in tpg.node_acls if tpg is not None else []:
            if acl.node_wwn == initiator:
                return (acl.chap_mutual_password if mutual else acl.chap_password) or None
        return None

    def _saved(self):
        """rtslib's dump in the saved file, {} when there is none or it does not parse."""
        try:
            saved = json.loads(self.files.read(self.save_file) or "{}")
        except ValueError:
            return {}
        return saved if isinstance(saved, dict) else {}

    @staticmethod
    def _saved_target(saved, iqn):
        return next((target for target in saved.get("targets", []) if target.get("wwn") == iqn), None)

    def saved_credentials(self, iqn, initiator):
        target = self._saved_target(self._saved(), iqn) or {}
        for tpg in target.get("tpgs", []):
            for acl in tpg.get("node_acls", []):
                if acl.get("node_wwn") == initiator and acl.get("chap_userid") and acl.get("chap_password"):
                    mutual = acl.get("chap_mutual_userid") and acl.get("chap_mutual_password")
                    return saved_pairs((acl["chap_userid"], acl["chap_password"]),
                                       (acl["chap_mutual_userid"], acl["chap_mutual_password"]) if mutual else None)
        return None

    def persisted(self, spec):
        """The saved file must exist, be private, and hold this target as it is live: a TPG with
        spec's portals, a LUN on spec's device and the initiator's ACL with its CHAP users.
        Matched by value, never as text (the target of vol1 is part of the name of vol10's)."""
        if self.files.mode(self.save_file) != 0o600:
            return False
        saved = self._saved()
        target = self._saved_target(saved, spec["iqn"])
        if target is None:
            return False
        devices = dict(("/backstores/%s/%s" % (so.get("plugin"), so.get("name")), so.get("dev"))
                       for so in saved.get("storage_objects", []))
        wanted_portals = sorted(spec["portals"])
        for tpg in target.get("tpgs", []):
            if sorted((portal.get("ip_address"), portal.get("port")) for portal in tpg.get("portals", [])) != wanted_portals:
                continue
            has_lun = any(devices.get(lun.get("storage_object")) == spec["device"] for lun in tpg.get("luns", []))
            has_acl = any(acl.get("node_wwn") == spec["initiator"] and acl.get("chap_userid") == spec["chap_user"]
                          and (acl.get("chap_mutual_userid") or None) == spec.get("mutual_user")
                          for acl in tpg.get("node_acls", []))
            if has_lun and has_acl:
                return True
        return False

    def persisted_elsewhere(self, iqn):
        return self._saved_target(self._saved(), iqn) is not None

    def discovery_credentials(self):
        fabric = self.rts.FabricModule("iscsi")
        if not fabric.discovery_enable_auth:
            return None
        return fabric.discovery_userid, fabric.discovery_password

    def discovery_persisted(self, credentials):
        if self.files.mode(self.save_file) != 0o600:
            return credentials is None and self.files.read(self.save_file) is None
        saved = next((fabric for fabric in self._saved().get("fabric_modules", []) if fabric.get("name") == "iscsi"), {})
        if not saved.get("discovery_enable_auth"):
            return credentials is None
        return credentials == (saved.get("discovery_userid"), saved.get("discovery_password"))

    def _set_discovery(self, credentials):
        fabric = self.rts.FabricModule("iscsi")
        if credentials is None:
            fabric.discovery_enable_auth = False
            return
        fabric.discovery_userid, fabric.discovery_password = credentials
        fabric.discovery_enable_auth = True

    # ---- writes -----------------------------------------------------------------------------
    def _storage_object(self, spec):
        """The block backstore for spec's device, named after the target's last part."""
        name = spec["iqn"].rsplit(":", 1)[-1]
        for storage in self.rts.RTSRoot().storage_objects:
            if storage.name == name and storage.plugin == "block":
                if storage.udev_path == spec["device"]:
                    return storage
                storage.delete()  # a stale backstore of a removed volume with the same name
        return self.rts.BlockStorageObject(name, dev=spec["device"])

    def _create(self, spec):
        target = self.rts.Target(self.rts.FabricModule("iscsi"), spec["iqn"], mode="create")
        tpg = self.rts.TPG(target, 1, mode="create")
        for name, value in TPG_ATTRIBUTES.items():
            tpg.set_attribute(name, value)
        for address, port in spec["portals"]:
            self._make_portal(tpg, spec["iqn"], address, port)
        # The backstore last: once its LUN exists, _delete (the clean-up of a failed create)
        # finds and removes it with the target; made before, a failure here would leave it behind.
        self.rts.LUN(tpg, self.data_lun, self._storage_object(spec))
        tpg.enable = True
        self._add_acl(tpg, spec)

    def _add_acl(self, tpg, spec):
        acl = self.rts.NodeACL(tpg, spec["initiator"], mode="create")
        acl.chap_userid = spec["chap_user"]
        acl.chap_password = spec["chap_password"]
        if spec.get("mutual_user"):
            acl.chap_mutual_userid = spec["mutual_user"]
            acl.chap_mutual_password = spec["mutual_password"]
        tpg_lun = sorted(tpg.luns, key=lambda item: item.lun)[0]
        self.rts.MappedLUN(acl, self.data_lun, tpg_lun)

    def _set_acl(self, spec, current):
        tpg = self._tpg(self._targets()[spec["iqn"]])
        for acl in list(tpg.node_acls):
            acl.delete()  # drops that initiator's session too: force was checked by the caller
        self._add_acl(tpg, spec)

    def _make_portal(self, tpg, iqn, address, port):
        try:
            self.rts.NetworkPortal(tpg, address, port, mode="create")
        except Exception as error:  # rtslib raises RTSLibError and plain OSError alike
            raise BackendError("cannot make portal %s of target %s: %s (is the address one of this host's?)"
                               % (portal_text(address, port), iqn, error))

    def _add_portal(self, iqn, address, port):
        self._make_portal(self._tpg(self._targets()[iqn]), iqn, address, port)

    def _remove_portal(self, iqn, address, port):
        for portal in list(self._tpg(self._targets()[iqn]).network_portals):
            if (portal.ip_address, int(portal.port)) == (address, port):
                portal.delete()

    def _delete(self, iqn, force):
        target = self._targets().get(iqn)
        if target is None:
            return
        tpg = self._tpg(target)
        storages = [lun.storage_object for lun in tpg.luns] if tpg is not None else []
        target.delete()
        for storage in storages:
            if not list(storage.attached_luns):
                storage.delete()

    def _save(self, spec=None, removed_iqn=None):
        self.files.makedirs(os.path.dirname(self.save_file))
        self.rts.RTSRoot().save_to_file(self.save_file)
        self.files.chmod_private(self.save_file)
