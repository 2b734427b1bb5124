# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The locks every module that changes a volume takes on the controller."""

    DOCUMENTATION = r"""
options:
  lock_timeout:
    description:
      - Seconds to wait for the locks this run needs on the controller (one per volume for its
        export and record, one per volume for its snapshots and backups, one for the target's
        saved configuration, one per volume group for picking the id of a new volume) while
        another run holds them.
      - When the wait runs out the module fails, naming the run that holds the lock, before it
        changes anything. A lock held by a run that was killed is free again at once.
    type: int
    default: 120
notes:
  - Locks are flock(2) files under C(/run/lock/novavolume); two runs at once (two operators, AWX
    forks, the nightly backup beside an attach) act on one volume one after the other, each
    reading the state only once it holds the volume's lock.
"""
