# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """How the volumes' targets are named, in every module that reads or changes volumes and their
    exports; those modules take the volume_group fragment too (vg is documented there once). The
    argument_specs group of the same name declares both options."""

    DOCUMENTATION = r"""
options:
  target_prefix:
    description: The target IQN of a volume is C(<target_prefix>:<volume name>).
    type: str
    default: iqn.2010-10.org.openstack
"""
