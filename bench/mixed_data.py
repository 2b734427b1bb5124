#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup benchmarks' data: a mixed set, and 1% of it changed as whole files.

    python3 mixed_data.py generate FOLDER SIZE_MB    (prints the bytes and files made, as JSON)
    python3 mixed_data.py change FOLDER              (prints the bytes written, as JSON)

The host benchmarks import it; backup_incremental_lab.py runs it on the lab's controller through
`ansible.builtin.script`, so it stands alone: the standard library only, Python 3.8+.
"""

import json
import os
import random
import sys

MIB = 1024 * 1024
CHANGED = 0.01
WORDS = ("volume snapshot export attach detach controller compute initiator target portal lun "
         "error warning info debug request response user instance tenant backup restore").split()


def generate(folder, size_mb, seed=8):
    """Mixed data, about size_mb MiB: 35% random (incompressible), 35% log-like text,
    20% repetitive binary, 10% as 2000 small files."""
    rng = random.Random(seed)
    for sub in ("", "db", "logs", "etc"):
        os.makedirs(os.path.join(str(folder), sub), exist_ok=sub != "")
    with open(os.path.join(str(folder), "db", "random.bin"), "wb") as handle:
        for _ in range(int(size_mb * 0.35)):
            handle.write(os.urandom(MIB))
    with open(os.path.join(str(folder), "logs", "app.log"), "w") as handle:
        written, line_number = 0, 0
        while written < size_mb * 0.35 * MIB:
            line_number += 1
            line = "2026-11-24T%02d:%02d:%02d %s %s\n" % (
                line_number // 3600 % 24, line_number // 60 % 60, line_number % 60,
                rng.choice(WORDS).upper(), " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))))
            handle.write(line)
            written += len(line)
    block = bytes(rng.getrandbits(8) for _ in range(4096))
    with open(os.path.join(str(folder), "db", "pages.dat"), "wb") as handle:
        for index in range(int(size_mb * 0.20 * MIB // 4096)):
            handle.write(block if index % 4 else bytes(4096))
    small = int(size_mb * 0.10 * MIB // 2000)
    for index in range(2000):
        text = ("key%d = %s\n" % (index, rng.choice(WORDS))) * (small // 16)
        with open(os.path.join(str(folder), "etc", "file%04d.conf" % index), "w") as handle:
            handle.write(text[:small])


def files_of(folder):
    """Every regular file under folder, sorted."""
    return sorted(os.path.join(root, name) for root, _dirs, names in os.walk(str(folder)) for name in names
                  if os.path.isfile(os.path.join(root, name)))


def data_size(folder):
    return sum(os.path.getsize(path) for path in files_of(folder))


def change_files(folder, seed=16):
    """1% of the bytes changed as whole files: 1% of the files (small ones, chosen by `seed`)
    rewritten with new text, and new files of random data under new/ making up 1% of the bytes
    with them. What a day of a file server or an instance's disk mostly looks like.
    -> (bytes written, rewritten paths, new paths)."""
    rng = random.Random(seed)
    sizes = dict((path, os.path.getsize(path)) for path in files_of(folder))
    target = int(sum(sizes.values()) * CHANGED)
    small = sorted(path for path, size in sizes.items() if size < MIB)
    written, rewritten, added = 0, [], []
    for path in rng.sample(small, max(1, len(sizes) // 100)):
        size = sizes[path]
        text = "".join("key%d = %s\n" % (rng.randrange(10 ** 6), rng.choice(WORDS)) for _line in range(size // 12 + 1))
        with open(path, "w") as handle:
            handle.write(text[:size])
        written += size
        rewritten.append(path)
    new = os.path.join(str(folder), "new")
    os.makedirs(new, exist_ok=True)
    number = 0
    while written < target:
        path = os.path.join(new, "upload%03d.bin" % number)
        number += 1
        if os.path.exists(path):  # a second change on the same data adds files of its own
            continue
        size = min(MIB, target - written)
        with open(path, "wb") as handle:
            handle.write(os.urandom(size))
        written += size
        added.append(path)
    return written, rewritten, added


def main(argv):
    if len(argv) == 3 and argv[0] == "generate":
        generate(argv[1], int(argv[2]))
        files = files_of(argv[1])
        print(json.dumps(dict(bytes=sum(os.path.getsize(path) for path in files), files=len(files))))
    elif len(argv) == 2 and argv[0] == "change":
        written, rewritten, added = change_files(argv[1])
        print(json.dumps(dict(bytes=written, rewritten=len(rewritten), added=len(added))))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
