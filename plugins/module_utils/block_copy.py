# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A block copy with dd, in one run, or in chunks with its progress in a small file.

A copy of a large volume takes minutes. Its progress cannot come back through the module's
result, which Ansible reads only at the end; so, when asked, the copy runs in chunks of
CHUNK_BLOCKS blocks (each one dd through the runner, streamed and bypassing the page cache) and
after each chunk writes how far it is to `progress_file`, which playbooks/volume_clone.yml reads
with a cheap `raw` while the module runs async (and novavol shows). The file is replaced
atomically, so a reader sees one whole state, and removed when the copy ends, also when it fails.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.files import partial_path, remove_quietly, replace_file

BLOCK_BYTES = 4 * 1024 * 1024  # dd's bs=4M (lvm.dd_runner)
# 256 MiB: a chunk takes about a second or two at the speed of a disk, as often as a poller reads.
CHUNK_BLOCKS = 64


def copy(dd, source, target, total, sparse, progress_file=None, clock=time.monotonic):
    """Copy the `total` bytes of `source` to `target` with the lvm.dd_runner `dd`; returns the
    copy's figures (copied, total, seconds), as the progress file holds them."""
    started = clock()
    if progress_file is None:
        dd.run("source target blocks sparse", source=source, target=target, blocks=True, sparse=sparse)
        return figures(total, total, clock() - started)
    folder = os.path.dirname(progress_file)
    if not os.path.isdir(folder):
        os.makedirs(folder, 0o700)
    try:
        write_progress(progress_file, figures(0, total, 0))
        block = 0
        while block * BLOCK_BYTES < total:
            dd.run("source target blocks skip seek count sparse", source=source, target=target, blocks=True,
                   skip=block, seek=block, count=CHUNK_BLOCKS, sparse=sparse)
            block += CHUNK_BLOCKS
            write_progress(progress_file, figures(min(block * BLOCK_BYTES, total), total, clock() - started))
    finally:
        remove_quietly(progress_file)
        remove_quietly(partial_path(progress_file))
    return figures(total, total, clock() - started)


def figures(copied, total, seconds):
    return dict(copied=copied, total=total, seconds=round(seconds, 1))


def write_progress(path, state):
    """One whole state for a reader: a poll every second needs no fsync, only the rename."""
    replace_file(path, json.dumps(state, sort_keys=True) + "\n", durable=False)
