# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The target a compute host's session is with, in the modules that run there. Declared once
    in module_utils/argument_specs.py (group session_target) and checked by
    validation.session_target."""

    DOCUMENTATION = r"""
options:
  portal_address:
    description: IP address of the target's portal (the session is logged in to it).
    type: str
    required: true
    aliases: [portal]
  portal_port:
    description: TCP port of the portal.
    type: int
    default: 3260
    aliases: [port]
  target_iqn:
    description: IQN of the volume's target (RV(novavolume.lvm_iscsi.target_export#module:target_iqn)).
    type: str
    required: true
    aliases: [target]
"""
