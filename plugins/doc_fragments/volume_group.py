# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The volume group, in every module that works on volumes (those that also name targets take
    the volumes fragment beside it). Declared once in module_utils/argument_specs.py."""

    DOCUMENTATION = r"""
options:
  vg:
    description: The volume group holding the volumes.
    type: str
    default: nova-volumes
"""
