# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a block device holds, as blkid's low-level probe reads its signatures: one runner and one
parser for the volume module's shrink checks and for the backup's look at a snapshot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import parse_fields

NOTHING_FOUND = 2
# The low-level probe found signatures that contradict each other.
AMBIVALENT = 8


def blkid_runner(module):
    # -p probes the device itself rather than blkid's cache; the caller decides what rc 2 and 8 mean.
    return CommandRunner(
        module,
        "blkid",
        dict(probe=fmt.fixed("-p"), export=fmt.fixed("-o", "export"), device=fmt.positional()),
        benign_rcs=(0, NOTHING_FOUND, AMBIVALENT),
    )


def parse_export(out):
    """`blkid -o export` KEY=value lines -> dict (TYPE, PTTYPE, LABEL, UUID...)."""
    return parse_fields(out, "=")


def probe(module, device):
    """`blkid -p -o export DEVICE` -> (signatures, ambivalent).

    signatures is the dict of what blkid recognised (TYPE, PTTYPE, LABEL, UUID...), empty when it
    recognised nothing; ambivalent is True when it found signatures that contradict each other
    (signatures is empty then: nothing on the device can be trusted to describe it).
    Raises CommandError when blkid could not open the device: its "nothing found" proves nothing then.
    """
    runner = blkid_runner(module)
    rc, out, err = runner.run("probe export device", probe=True, export=True, device=device)
    if rc == NOTHING_FOUND and err.strip():
        raise CommandError(runner.argv("probe export device", probe=True, export=True, device=device), rc, out, err)
    return (parse_export(out) if rc == 0 else {}), rc == AMBIVALENT
