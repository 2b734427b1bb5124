# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options several modules share, declared once. Each group goes with the doc fragment of the
same name in plugins/doc_fragments/, so that one thing has one name, type and default in every
module (the target backend is target_backend everywhere; backend is its alias)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.locks import DEFAULT_WAIT_SECONDS

TARGET_BACKENDS = ("lio", "tgt", "iet")


def _groups():
    """Fresh dicts every time: AnsibleModule may change the spec it is given."""
    vg = dict(vg=dict(type="str", default="nova-volumes"))
    return dict(
        volume_group=vg,
        volumes=dict(vg, target_prefix=dict(type="str", default="iqn.2010-10.org.openstack")),
        locking=dict(lock_timeout=dict(type="int", default=DEFAULT_WAIT_SECONDS)),
        target_backend=dict(target_backend=dict(type="str", choices=list(TARGET_BACKENDS), default="lio",
                                                aliases=["backend"])),
        session_target=dict(
            portal_address=dict(type="str", required=True, aliases=["portal"]),
            portal_port=dict(type="int", default=3260, aliases=["port"]),
            target_iqn=dict(type="str", required=True, aliases=["target"]),
        ),
        multipath_portals=dict(extra_portal_addresses=dict(type="list", elements="str", default=[])),
    )


def argument_spec(groups, **options):
    """A module's argument_spec: the shared `groups` it names, then its own `options`."""
    shared = _groups()
    spec = {}
    for group in groups:
        spec.update(shared[group])
    spec.update(options)
    return spec
