# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The oversubscription limit of thin pools: the volume module refuses beyond it,
    volume_info warns beyond it."""

    DOCUMENTATION = r"""
options:
  max_over_subscription_ratio:
    description:
      - How far a thin pool may be oversubscribed - the sum of the virtual sizes of its thin
        volumes over the pool's size (V(20.0) as Cinder's default; V(1.0) never promises more than
        the pool holds).
    type: float
    default: 20.0
"""
