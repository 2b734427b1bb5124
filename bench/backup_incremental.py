#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Second backup after 1% changed: format archive against format repository, on the same data.

    .venv/bin/python bench/backup_incremental.py [--size-mb 300] [--volume-mb 1024] [--data DIR]

The data is backup_throughput.py's mixed set (kept in --data). Each format backs it up, then
1% of it is overwritten with new random bytes (the same places for every format), and it is
backed up again:

  archive           volume_backup's pipeline (tar | pigz, sha1 in the same pass): every run
                    writes everything again
  repository files  restic backup of the folder (what format repository does for a mountable
                    file system): the second run reads changed files only and stores new chunks
  repository image  restic backup --stdin of an ext4 image of --volume-mb holding the data
                    (mkfs.ext4 -d; what format repository does for a volume it cannot mount):
                    the second run reads the whole image and stores new chunks only

It runs module_utils/backup_archive.py's stream_archive and backup_repository.py's restic argv
and streaming on the host (no LVM: the snapshot and the mount cost the same for every format).
Printed: per format the first and second run's seconds and bytes stored (the archive's size; how
much the repository grew, compressed), the second run against
the first, and each second run against the archive's second run (the baseline of this run).
"""

import argparse
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "collections"))
sys.path.insert(0, str(ROOT / "bench"))

from backup_throughput import MIB, HostModule, data_size, generate  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository  # noqa: E402

CHANGED = 0.01
PIECE = 64 * 1024


def change_one_percent(paths, seed=15):
    """Overwrite 1% of the bytes of `paths` (together) with random data, in 64 KiB pieces at
    places chosen by `seed`: every format sees the same change."""
    rng = random.Random(seed)
    sizes = [(path, path.stat().st_size) for path in paths]
    total = sum(size for _path, size in sizes)
    for _piece in range(int(total * CHANGED // PIECE)):
        path, size = rng.choice([item for item in sizes if item[1] > PIECE])
        with open(str(path), "r+b") as handle:
            handle.seek(rng.randrange(0, size - PIECE))
            handle.write(os.urandom(PIECE))
    return int(total * CHANGED // PIECE) * PIECE


def archive_run(data, out):
    module = HostModule()
    tar = backup_archive.tar_create_argv(module.get_bin_path("tar", required=True), str(data.parent), [data.name],
                                         list(backup.DEFAULT_EXCLUDES))
    temp = out / ".bench-archive.partial"
    if temp.exists():
        temp.unlink()
    return backup_archive.stream_archive(tar, backup_archive.compressor_argv(module, "gzip"), str(temp), "sha1")["size"]


def repository_run(repository, password_file, tags, cwd=None, members=None, stdin_path=None):
    """-> bytes the repository grew by: restic 0.14's summary counts new data before compression."""
    argv = backup_repository.backup_argv(shutil.which("restic"), repository, password_file, tags,
                                         stdin_filename=os.path.basename(stdin_path) if stdin_path else None,
                                         members=members)
    before = data_size(pathlib.Path(repository))
    backup_repository.parse_summary(backup_repository.run_streamed(argv, cwd=cwd, stdin_path=stdin_path))
    return data_size(pathlib.Path(repository)) - before


def timed(action):
    start = time.monotonic()
    stored = action()
    return time.monotonic() - start, stored


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--volume-mb", type=int, default=1024)
    parser.add_argument("--data", default="/var/tmp/novavolume-bench-data")
    args = parser.parse_args()
    for tool in ("restic", "mkfs.ext4", "tar"):
        if not shutil.which(tool):
            sys.exit("%s is not installed on this host (scripts/setup.sh installs it)" % tool)
    source = pathlib.Path(args.data) / ("mixed-%d" % args.size_mb)
    if not source.exists():
        print("generating %d MiB of mixed data in %s ..." % (args.size_mb, source), flush=True)
        generate(source, args.size_mb)
    rows = []
    with tempfile.TemporaryDirectory(prefix="nvbench-incr-", dir=args.data) as scratch:
        scratch = pathlib.Path(scratch)
        data = scratch / "volume"
        shutil.copytree(str(source), str(data))
        image = scratch / "volume.img"
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(data), str(image), "%dM" % args.volume_mb], check=True)
        password_file = scratch / "password"
        password_file.write_text("bench\n")
        password_file.chmod(0o600)
        module = HostModule()
        module.run_command = lambda argv, **_kw: _run(argv)
        repositories = dict((name, str(scratch / name)) for name in ("files-repo", "image-repo"))
        for repository in repositories.values():
            backup_repository.ensure_repository(module, repository, str(password_file), check_mode=False)
        tags = backup_repository.tags_for("bench", "files", args.volume_mb * MIB)
        formats = [
            ("archive (tar | pigz, sha1)", lambda: archive_run(data, scratch)),
            ("repository files (restic)", lambda: repository_run(repositories["files-repo"], str(password_file), tags,
                                                                 cwd=str(data), members=["."])),
            ("repository image (restic --stdin)", lambda: repository_run(
                repositories["image-repo"], str(password_file), tags, stdin_path=str(image))),
        ]
        subprocess.run(["cat", str(image)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        firsts = [timed(action) for _label, action in formats]
        files = sorted(path for path in data.rglob("*") if path.is_file())
        changed = change_one_percent(files)
        change_one_percent([image])  # the same share of the image's blocks
        seconds = [timed(action) for _label, action in formats]
        for (label, _action), first, second in zip(formats, firsts, seconds):
            rows.append((label, first, second))
    print("data: %.0f MB in %d files, image %d MiB; changed %.1f MB (1%%) between the runs" % (
        data_size(source) / 1e6, len(files), args.volume_mb, changed / 1e6))
    baseline_seconds, baseline_bytes = rows[0][2]
    print("%-36s %9s %10s %9s %10s %12s %12s" % ("format", "1st s", "1st MB", "2nd s", "2nd MB",
                                                 "2nd/1st s,MB", "2nd vs archive s,MB"))
    for label, (first_s, first_b), (second_s, second_b) in rows:
        print("%-36s %9.2f %10.1f %9.2f %10.2f %5.2f,%6.3f %5.2f,%6.3f" % (
            label, first_s, first_b / 1e6, second_s, second_b / 1e6, second_s / first_s, second_b / max(first_b, 1),
            second_s / baseline_seconds, second_b / baseline_bytes))


def _run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


if __name__ == "__main__":
    main()
