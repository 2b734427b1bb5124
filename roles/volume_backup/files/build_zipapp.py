# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the nightly backup command as one executable Python zip archive (a zipapp): the
script as __main__.py and the collection's module_utils it runs, under their import path.
Run on the control node by roles/volume_backup, so one file is copied to the controller.

The bytes depend only on the inputs (sorted entries, fixed times and modes, stored without
compression), so the role's copy reports no change while nothing changed.

    build_zipapp.py OUTPUT SCRIPT MODULE_UTILS_DIR NAME...
"""

import os
import sys
import zipfile

PACKAGE = "ansible_collections/novavolume/lvm_iscsi/plugins/module_utils"
SHEBANG = b"#!/usr/bin/python3\n"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def entries(script, utils_dir, names):
    """(name in the archive, bytes), sorted; every package level gets an empty __init__.py."""
    files = {"__main__.py": read(script)}
    parts = PACKAGE.split("/")
    for depth in range(1, len(parts) + 1):
        files["/".join(parts[:depth]) + "/__init__.py"] = b""
    for name in names:
        files["%s/%s" % (PACKAGE, name)] = read(os.path.join(utils_dir, name))
    return sorted(files.items())


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def build(output, script, utils_dir, names):
    partial = output + ".partial"
    with open(partial, "wb") as handle:
        handle.write(SHEBANG)
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
            for name, data in entries(script, utils_dir, names):
                info = zipfile.ZipInfo(name, FIXED_TIME)
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
    os.chmod(partial, 0o755)
    os.replace(partial, output)


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    build(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
