# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The iSCSI target implementation: one option name in every module that reads or changes
    exports. Declared once in module_utils/argument_specs.py."""

    DOCUMENTATION = r"""
options:
  target_backend:
    description:
      - The iSCSI target implementation on this host, whose exports the module reads or changes.
      - V(lio) is the kernel's target (through rtslib), V(tgt) the user-space tgtd, V(iet) the
        legacy iSCSI Enterprise Target.
    type: str
    choices: [lio, tgt, iet]
    default: lio
    aliases: [backend]
"""
