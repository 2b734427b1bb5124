#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Later backups after 1% changed: format archive against format repository, on the same data.

    .venv/bin/python bench/backup_incremental.py [--size-mb 300] [--volume-mb 1024] [--data DIR]

The data is backup_throughput.py's mixed set (kept in --data). Each format backs it up three
times; between the runs 1% of it changes, in two patterns applied one after the other (the same
changes for every format):

  A scattered   1% of the bytes overwritten with new random bytes in 64 KiB pieces at places
                chosen by a seed (inside files, and the same share of the image's blocks): the
                hard case for content-defined chunks, each piece makes restic store again the
                ~1 MiB chunk it falls in (run 2)
  B whole files 1% of the files (20 of the small ones) rewritten with new text, and new files of
                random data making up 1% of the bytes with them: what a day of a file server or
                an instance's disk mostly looks like (run 3); in the image through debugfs
                (rm and write), as the file system would place them, in the image as it was
                before A (A's pieces may have hit file-system metadata)

  archive           volume_backup's pipeline (tar | pigz, sha1 in the same pass): every run
                    writes everything again
  repository files  restic backup of the folder (what format repository does for a mountable
                    file system): a later run reads changed files only and stores new chunks
  repository image  restic backup --stdin of an ext4 image of --volume-mb holding the data
                    (mkfs.ext4 -d; what format repository does for a volume it cannot mount):
                    a later run reads the whole image and stores new chunks only

For the image, the blocks that really changed are counted too (the image hashed in 64 KiB blocks
before and after each change): what an image backup that sends only changed regions would store
at most, before compression, at the granularity of a thin pool's default chunk (64 KiB, what
`thin_delta` between two thin snapshots reports) and of 1 MiB and 4 MiB blocks (fixed-size
chunking as Proxmox Backup Server uses for images).

It runs module_utils/backup_archive.py's stream_archive and backup_repository.py's restic argv
and streaming on the host (no LVM: the snapshot and the mount cost the same for every format).
Printed: per format and pattern the run's seconds and bytes stored (the archive's size; how much
the repository grew, compressed) against the format's first run, and against the archive's run
after the same change (the baseline of this run).
"""

import argparse
import hashlib
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

from backup_throughput import HostModule  # noqa: E402
from mixed_data import CHANGED, MIB, change_files, data_size, generate  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_archive  # noqa: E402
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_repository  # noqa: E402

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


def rewrite_and_add_files(data, image, debugfs, seed=16):
    """Pattern B (mixed_data.change_files: 1% of the files rewritten, new files of random data,
    1% of the bytes together), and the same changes made inside the ext4 image with debugfs (rm,
    then write). -> bytes written."""
    written, rewritten, added = change_files(data, seed)
    commands = []
    for path in rewritten:
        inside = "/" + str(pathlib.Path(path).relative_to(data))
        commands += ["rm %s" % inside, "write %s %s" % (path, inside)]
    commands.append("mkdir /new")
    commands += ["write %s /new/%s" % (path, os.path.basename(path)) for path in added]
    subprocess.run([debugfs, "-w", "-f", "-", str(image)], input="\n".join(commands) + "\n", text=True,
                   check=True, capture_output=True)
    return written


def block_hashes(image, block=64 * 1024):
    """One digest per 64 KiB block of the image (what a scheme that compares against the previous
    backup's block hashes keeps)."""
    hashes = []
    with open(str(image), "rb") as handle:
        for chunk in iter(lambda: handle.read(block), b""):
            hashes.append(hashlib.blake2b(chunk, digest_size=16).digest())
    return hashes


def changed_blocks(before, after, block=64 * 1024):
    """-> {granularity in bytes: bytes of the blocks that differ}, for 64 KiB, 1 MiB and 4 MiB."""
    differing = [index for index, (old, new) in enumerate(zip(before, after)) if old != new]
    result = {}
    for size in (block, MIB, 4 * MIB):
        per = size // block
        result[size] = len(set(index // per for index in differing)) * size
    return result


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
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    tools = dict((tool, shutil.which(tool, path=search)) for tool in ("restic", "mkfs.ext4", "debugfs", "tar"))
    for tool, path in tools.items():
        if not path:
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
        subprocess.run([tools["mkfs.ext4"], "-q", "-F", "-d", str(data), str(image), "%dM" % args.volume_mb], check=True)
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
        runs = [[timed(action) for _label, action in formats]]
        hashes = [block_hashes(image)]
        files = sorted(path for path in data.rglob("*") if path.is_file())
        changed = [change_one_percent(files)]
        # Pattern A's pieces land anywhere in the image, file-system metadata included, which
        # debugfs must read for pattern B: B is made in the image as it was before A. restic's
        # 3rd image run then finds A's places as its 1st run stored them (nothing to add there).
        before_a = scratch / "volume-before-a.img"
        shutil.copyfile(str(image), str(before_a))
        change_one_percent([image])  # the same share of the image's blocks
        hashes.append(block_hashes(image))
        runs.append([timed(action) for _label, action in formats])
        os.replace(str(before_a), str(image))
        changed.append(rewrite_and_add_files(data, image, tools["debugfs"]))
        hashes.append(block_hashes(image))
        runs.append([timed(action) for _label, action in formats])
        blocks = [changed_blocks(hashes[0], hashes[1]), changed_blocks(hashes[0], hashes[2])]
        for index, (label, _action) in enumerate(formats):
            rows.append((label, [run[index] for run in runs]))
    print("data: %.0f MB in %d files, image %d MiB; changed between the runs: A %.1f MB (1%%, 64 KiB pieces), "
          "B %.1f MB (1%%: %d files rewritten, new files)" % (
              data_size(source) / 1e6, len(files), args.volume_mb, changed[0] / 1e6, changed[1] / 1e6,
              max(1, len(files) // 100)))
    first_bytes = dict((label, runs_of[0][1]) for label, runs_of in rows)
    print("%-36s %-13s %8s %10s %15s %20s" % ("format", "run", "s", "MB stored", "vs 1st s, bytes",
                                              "vs archive s, bytes"))
    for label, runs_of in rows:
        for number, name in enumerate(("1st", "2nd after A", "3rd after B")):
            seconds, stored = runs_of[number]
            baseline_seconds, baseline_bytes = rows[0][1][number]
            print("%-36s %-13s %8.2f %10.2f %6.2f, %6.3f %9.2f, %8.3f" % (
                label, name, seconds, stored / 1e6, seconds / runs_of[0][0], stored / max(runs_of[0][1], 1),
                seconds / baseline_seconds, stored / max(baseline_bytes, 1)))
    image_first = first_bytes["repository image (restic --stdin)"]
    print("image blocks that changed (what sending only changed regions would store at most, uncompressed), "
          "against the image's 1st run:")
    for name, counted in zip(("A", "B"), blocks):
        print("  after %s: %s" % (name, ", ".join("%s blocks %.2f MB (%.3f)" % (
            "64 KiB" if size < MIB else "%d MiB" % (size // MIB), stored / 1e6, stored / max(image_first, 1))
            for size, stored in sorted(counted.items()))))


def _run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


if __name__ == "__main__":
    main()
