# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iSCSI target backends, one file each; `load_backend(module, kind)` picks one.

See targets/base.py for the interface every backend offers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.iet import IetBackend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.lio import LioBackend
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets.tgt import TgtBackend

BACKENDS = dict(lio=LioBackend, tgt=TgtBackend, iet=IetBackend)


def load_backend(module, kind):
    """The backend object for `kind` (lio, tgt or iet); fails the module for an unknown kind."""
    if kind not in BACKENDS:
        module.fail_json(msg="unknown target backend %r: choose one of %s" % (kind, ", ".join(sorted(BACKENDS))))
    return BACKENDS[kind](module)
