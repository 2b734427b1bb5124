# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """A volume as a person names it (nova's id, the LV name or the display name), resolved in the
    module that acts on it: the same options wherever a module takes one."""

    DOCUMENTATION = r"""
options:
  reference:
    description:
      - The volume a person means by this, as C(nova) took it on its command line, that is its integer id
        (decoded from its name through O(name_template)), its LV name or its display name. The
        module fails, changing nothing, when no volume or several answer to it
        (RV(reference_error)).
      - A reference that matches different volumes in different ways (id V(7), and another volume
        whose display name is V(7)), or a display name that several volumes share, is refused
        rather than guessed.
      - This lets a playbook take what a person typed and resolve it in the run that acts on the
        volume (C(novavol) passes it to the playbooks as C(volume_reference)), instead of a
        listing first.
      - Mutually exclusive with the option that names the volume by its LV name.
    type: str
  name_template:
    description:
      - With O(reference), how an integer id maps to an LV name, as nova named its volumes; the same
        as M(novavolume.lvm_iscsi.volume)'s O(novavolume.lvm_iscsi.volume#module:name_template).
    type: str
    default: volume-%08x
"""
