# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The further portals of a volume attached over dm-multipath, in the modules that run on the
    compute host. Declared once in module_utils/argument_specs.py (group multipath_portals) and
    checked by validation.multipath_portals."""

    DOCUMENTATION = r"""
options:
  extra_portal_addresses:
    description:
      - Further portals of the same target (multipath, one per storage network; the addresses of
        RV(novavolume.lvm_iscsi.target_export#module:portals) after the first). With them the volume
        has one session on O(portal_address) and one on each of these, and the disk to use is the
        dm-multipath map that multipathd makes over the sessions' disks (a path disk written
        directly would not fail over). The module's description says what it does on each portal.
      - Needs multipathd with C(find_multipaths) (the C(novavolume.lvm_iscsi.iscsi_initiator)
        role's C(iscsi_initiator_multipath), which also shortens C(node.session.timeo.replacement_timeout)
        so that a dead path fails over in seconds).
      - IP addresses, none of them the any-address or O(portal_address) again.
    type: list
    elements: str
    default: []
requirements:
  - multipath-tools (multipathd), with O(extra_portal_addresses)
"""
