#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup throughput: the original method against volume_backup's pipeline, on the same data.

    .venv/bin/python bench/backup_throughput.py [--size-mb 300] [--data DIR] [--repeat 1]

  original   `tar czf ARCHIVE -C DATA .` then `sha1sum ARCHIVE` (a second pass over the archive)
  gzip       volume_backup's pipeline: tar | pigz -p <cores>, sha1 computed in the same pass
  zstd       volume_backup's pipeline: tar | zstd -3 -T0, sha1 computed in the same pass

The pipeline rows run module_utils/backup_archive.py's own stream_archive (the code the module runs on
the controller) on the host: LVM, kpartx and the mount are not part of the throughput being
measured, so no lab is needed. The data is generated once (mixed: random, text, repetitive
binary, many small files) and kept in --data for later runs. Every method reads the data once
before timing starts (warm page cache for all). Prints seconds, archive sizes and the speed-up
against the original (goals from issue 8: gzip 1.8x or better, zstd 4x or better).
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "collections"))
sys.path.insert(0, str(ROOT / "bench"))

from mixed_data import data_size, generate  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive  # noqa: E402

class HostModule:
    def get_bin_path(self, name, required=False):
        path = shutil.which(name)
        if required and not path:
            sys.exit("%s is not installed on this host" % name)
        return path

    def warn(self, text):
        print("warning: %s" % text, file=sys.stderr)


def original(data, out):
    archive = out / "original.tar.gz"
    subprocess.run(["tar", "czf", str(archive), "-C", str(data), "."], check=True)
    digest = subprocess.run(["sha1sum", str(archive)], check=True, capture_output=True, text=True).stdout.split()[0]
    return archive.stat().st_size, digest


def pipeline(compression):
    def run(data, out):
        module = HostModule()
        tar = backup_archive.tar_create_argv(module.get_bin_path("tar", required=True), str(data.parent), [data.name],
                                     list(backup.DEFAULT_EXCLUDES))
        temp = out / (".bench-%s.partial" % compression)
        result = backup_archive.stream_archive(tar, backup_archive.compressor_argv(module, compression), str(temp), "sha1")
        return result["size"], result["checksum"]
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--data", default="/var/tmp/novavolume-bench-data")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the best time counts")
    args = parser.parse_args()
    data = pathlib.Path(args.data) / ("mixed-%d" % args.size_mb)
    if not data.exists():
        print("generating %d MiB of mixed data in %s ..." % (args.size_mb, data), flush=True)
        generate(data, args.size_mb)
    size = data_size(data)
    subprocess.run(["tar", "cf", "/dev/null", "-C", str(data), "."], check=True)  # warm the page cache
    print("data: %.0f MB in %s, %d cores, pigz %s, zstd %s" % (
        size / 1e6, data, os.cpu_count() or 1, "yes" if shutil.which("pigz") else "NO (gzip)",
        "yes" if shutil.which("zstd") else "NO"))
    methods = [("original: tar czf + sha1sum", original), ("ours gzip: tar | pigz, sha1 same pass", pipeline("gzip")),
               ("ours zstd: tar | zstd -3 -T0, sha1 same pass", pipeline("zstd"))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="nvbench-", dir=args.data) as out:
        out = pathlib.Path(out)
        for label, method in methods:
            best = None
            for _ in range(args.repeat):
                for leftover in out.iterdir():
                    leftover.unlink()
                start = time.monotonic()
                archive_size, _digest = method(data, out)
                elapsed = time.monotonic() - start
                best = elapsed if best is None else min(best, elapsed)
            rows.append((label, best, archive_size))
    baseline = rows[0][1]
    print("%-46s %8s %10s %7s %9s" % ("method", "seconds", "archive MB", "ratio", "speed-up"))
    for label, seconds, archive_size in rows:
        print("%-46s %8.2f %10.1f %6.1f%% %8.2fx" % (label, seconds, archive_size / 1e6,
                                                   100.0 * archive_size / size, baseline / seconds))
    print("goals: gzip >= 1.80x, zstd >= 4.00x")


if __name__ == "__main__":
    main()
