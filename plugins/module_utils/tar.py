# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GNU tar, for what the collection unpacks (a backup archive into a restored volume, a pack of
restored files on another host) and for the packs it makes. The backup pipeline's own `tar
--create` to stdout is built apart (backup_archive.tar_create_argv), as it runs piped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner


def tar_runner(module):
    """keep: owners and groups by number (the instance's, not this host's names), modes, ACLs and
    extended attributes, as a restore needs them; gzip: tar's own (pigz may be missing)."""
    return CommandRunner(
        module,
        "tar",
        dict(
            create=fmt.fixed("--create"),
            extract=fmt.fixed("--extract"),
            archive=fmt.opt_eq_val("--file"),
            decompressor=fmt.opt_eq_val("--use-compress-program"),
            gzip=fmt.fixed("--gzip"),
            directory=fmt.opt_eq_val("--directory"),
            keep=fmt.fixed("--numeric-owner", "--same-permissions", "--xattrs", "--acls"),
            members=fmt.positional(),
        ),
    )
