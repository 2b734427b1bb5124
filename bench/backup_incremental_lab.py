#!/usr/bin/env python3
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 15's benchmark on the lab: a later backup after 1% changed, repository against archive.

A 1 GiB volume on the controller gets an ext4 file system and ~300 MB of mixed data
(mixed_data.py, run in the guest: random, log-like text, repetitive binary, 2000 small files).
volume_backup backs it up in both formats, then 1% of the bytes change as whole files (1% of the
files rewritten, new files of random data: mixed_data.change_files) and both formats back it up
again:

  archive     format archive (tar | pigz, sha1 in the same pass): every run writes everything
  repository  format repository (restic, files content: the file system mounted read-only from
              the snapshot): a later run reads the changed files and stores new chunks only

Printed per format and run: the module call's seconds (as `ansible` runs it, and restic's or the
pipeline's own part, duration_seconds) and the bytes it stored (the archive's size; how much the
repository's data grew, compressed: restic stats --mode raw-data), each against the format's first
run and against one `ansible -m ping` of the controller measured in the same run. Goal (issue 15):
the repository's second run stores at most 5% of its first run's bytes in at most a third of its
time.

    NOVALAB_NAME=bench .venv/bin/python bench/backup_incremental_lab.py [--size-mb 300]

Run from the repository root on a running lab set up with site.yml (scripts/bench.sh does it).
restic comes from the lab image's package cache (apt). The bench makes its own volume, password
file and folders under /srv/bench-backup and removes them at the end.
"""

import argparse
import json
import os
import statistics
import subprocess

from common import BIN, ROOT, inventory_args, lab_env, load, run

VOLUME = "benchincr"
WORK = "/srv/bench-backup"
MOUNT = "/mnt/" + VOLUME
PASSWORD_FILE = WORK + "/restic-password"


def module_result(output):
    """The one host's result of an ad hoc run printed by the json callback."""
    document = json.loads(output[output.index("{"):])
    hosts = document["plays"][0]["tasks"][0]["hosts"]
    return next(iter(hosts.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("NOVALAB_NAME", "novalab"))
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--pings", type=int, default=5)
    args = parser.parse_args()

    env = lab_env(args.lab)
    json_env = lab_env(args.lab, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                       ANSIBLE_DEPRECATION_WARNINGS="0")
    ansible = [os.path.join(BIN, "ansible")] + inventory_args(args.lab) + ["controller"]

    def on_controller(module, module_args, environment=env):
        return run(ansible + ["-m", module, "-a", module_args], environment)

    def shell(command):
        return on_controller("ansible.builtin.shell", command)

    def in_guest(*words):
        """mixed_data.py run in the guest -> what it printed (JSON)."""
        _took, output = on_controller("ansible.builtin.script",
                                      "%s %s executable=python3" % (os.path.join(ROOT, "bench", "mixed_data.py"),
                                                                    " ".join(words)), json_env)
        return json.loads(module_result(output)["stdout"])

    def repository_size():
        _took, output = shell("if [ -e {0}/restic/config ]; then restic --repo {0}/restic --password-file {1} stats --json"
                              " --mode raw-data; else echo '{{\"total_size\": 0}}'; fi".format(WORK, PASSWORD_FILE))
        return json.loads(output[output.index("{"):output.rindex("}") + 1])["total_size"]

    backup_args = dict(
        archive="volume=%s destination=%s/archive format=archive" % (VOLUME, WORK),
        repository="volume=%s destination=%s/reports format=repository repository=%s/restic password_file=%s"
                   % (VOLUME, WORK, WORK, PASSWORD_FILE))

    def backup(kind):
        """One volume_backup call -> (seconds of the ansible run, the module's own seconds, bytes stored)."""
        before = repository_size() if kind == "repository" else 0
        took, output = on_controller("novavolume.lvm_iscsi.volume_backup", backup_args[kind], json_env)
        entry = module_result(output)["backups"][0]
        if entry["status"] != "ok":
            raise SystemExit("the %s backup failed: %s" % (kind, entry))
        if kind == "repository" and entry.get("content") != "files":
            raise SystemExit("the repository backup was not a files backup: %s" % entry)
        stored = repository_size() - before if kind == "repository" else entry["archive_size"]
        return took, entry["duration_seconds"], stored

    print("lab %s, %d MiB of mixed data on a 1 GiB volume, load average before: %s" % (args.lab, args.size_mb, load()),
          flush=True)
    on_controller("ansible.builtin.apt", "name=restic,pigz state=present")
    on_controller("ansible.builtin.file", "path=%s/archive state=directory mode=0750" % WORK)
    on_controller("ansible.builtin.copy", "content=bench-only-password dest=%s mode=0600" % PASSWORD_FILE)
    on_controller("novavolume.lvm_iscsi.volume", "name=%s size=1" % VOLUME)
    try:
        mount = "mkdir -p {0} && mount /dev/nova-volumes/{1} {0}".format(MOUNT, VOLUME)
        shell("mkfs.ext4 -q -F /dev/nova-volumes/%s && %s" % (VOLUME, mount))
        generated = in_guest("generate", MOUNT + "/data", str(args.size_mb))
        shell("umount " + MOUNT)
        pings = [on_controller("ansible.builtin.ping", "")[0] for _ping in range(args.pings)]
        first = dict((kind, backup(kind)) for kind in ("archive", "repository"))
        shell(mount)
        changed = in_guest("change", MOUNT + "/data")
        shell("umount " + MOUNT)
        second = dict((kind, backup(kind)) for kind in ("archive", "repository"))
    finally:
        subprocess.run(ansible + ["-m", "ansible.builtin.shell", "-a",
                                  "umount %s; rm -rf %s %s" % (MOUNT, MOUNT, WORK)],
                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        subprocess.run(ansible + ["-m", "novavolume.lvm_iscsi.volume", "-a", "name=%s state=absent force=true" % VOLUME],
                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    ping = statistics.median(pings)
    print("data: %.1f MB in %d files; changed before the 2nd run: %.2f MB (%d files rewritten, %d new)"
          % (generated["bytes"] / 1e6, generated["files"], changed["bytes"] / 1e6, changed["rewritten"], changed["added"]))
    print("baseline: ansible -m ping of the controller, median of %d: %.2f s" % (len(pings), ping))
    print("%-11s %-4s %9s %10s %10s %10s %14s" % ("format", "run", "ansible s", "pings", "module s", "MB stored",
                                                 "vs 1st: s, bytes"))
    for kind in ("archive", "repository"):
        for name, (took, own, stored) in (("1st", first[kind]), ("2nd", second[kind])):
            print("%-11s %-4s %9.2f %10.1f %10.2f %10.2f %7.2f, %6.3f" % (
                kind, name, took, took / ping, own, stored / 1e6, took / first[kind][0], stored / max(first[kind][2], 1)))
    took, _own, stored = second["repository"]
    print("goal: the repository's 2nd run at most 5%% of the 1st's bytes (%.1f%%) and a third of its time (%.2f)"
          % (100.0 * stored / max(first["repository"][2], 1), took / first["repository"][0]))
    print("load average after: %s" % load())


if __name__ == "__main__":
    main()
