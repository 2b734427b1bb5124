# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing files so that a reader sees all or nothing, and removing them quietly: shared by the
backup's files, the target backends' saved configuration and a copy's progress file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os


def write_all(fd, data):
    """os.write until every byte is written (a write to a pipe or a full disk can be short)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def remove_quietly(path):
    """Remove a file that may already be gone."""
    try:
        os.unlink(path)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise


def partial_path(path):
    """The hidden name in the same folder that a file is written under before its rename (a bare
    file name gives a bare name)."""
    return os.path.join(os.path.dirname(path), ".%s.partial" % os.path.basename(path))


def replace_file(path, text, durable=True):
    """Write `text` under partial_path(path), readable by root only (the files hold secrets or
    repository details), fsync when durable, then rename over `path`. Raises OSError, after
    removing the partial file."""
    temp = partial_path(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            write_all(fd, text.encode("utf-8"))
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
    except OSError:
        remove_quietly(temp)
        raise
