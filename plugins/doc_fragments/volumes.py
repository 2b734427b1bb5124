# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Where the volumes live and how their targets are named: the same options in every module
    that reads or changes volumes."""

    DOCUMENTATION = r"""
options:
  vg:
    description: The volume group holding the volumes.
    type: str
    default: nova-volumes
  target_prefix:
    description: The target IQN of a volume is C(<target_prefix>:<volume name>).
    type: str
    default: iqn.2010-10.org.openstack
"""
