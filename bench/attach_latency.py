#!/usr/bin/env python3
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classic operations on the lab, each printed with a baseline.

attach       playbooks/volume_attach.yml, from its start to a disk on the compute host whose
             first block was read back uncached (iscsi_session reads it after the login; the
             bench checks that the playbook says so);
detach       playbooks/volume_detach.yml, from its start to its end (logged out, export removed);
volume-list  `novavol volume-list`, and `novavol volume-attach` / `volume-detach` (the CLI's
             own checks and its run of the same playbooks);
backup       `novavol volume-backup` of the same 1 GiB volume, nearly empty (an ext4 file system
             on the whole volume, with one small file): snapshot, used data, checksum, report.
Baselines, measured in the same run, so that the figures read as "so many Ansible round trips" on
machines of different speed: one `ansible -m ping` of the hosts each operation touches, the
controller and the compute host for attach and detach, the controller alone for volume-list and
the backup. (With tgt, the lab must have been set up with iscsi_target_backend=tgt: novavol
and the playbooks take the backend from the inventory.)

    NOVALAB_NAME=bench .venv/bin/python bench/attach_latency.py [--rounds 3] [--backend lio]

Run from the repository root on a running lab set up with site.yml (scripts/bench.sh does it).
The bench creates its own volume and deletes it at the end.
"""

import argparse
import os
import statistics
import subprocess
import sys

from common import BIN, ROOT, inventory_args, lab_env, load, run

READ_BACK = "its first block read back"


def summary(values, base=None):
    text = "median %6.1f s  min %6.1f s  max %6.1f s" % (statistics.median(values), min(values), max(values))
    return text + ("  = %.1f x baseline" % (statistics.median(values) / base) if base else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("NOVALAB_NAME", "novalab"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", default="lio", choices=["lio", "tgt"])
    parser.add_argument("--instance", default="compute1")
    parser.add_argument("--volume", default="benchvolume")
    args = parser.parse_args()

    env = lab_env(args.lab)
    inventory = inventory_args(args.lab)
    ansible, playbook, novavol = (os.path.join(BIN, name) for name in ("ansible", "ansible-playbook", "novavol"))
    extra = ["-e", "volume=%s" % args.volume, "-e", "instance=%s" % args.instance, "-e", "backend=%s" % args.backend]

    run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a", "name=%s size=1" % args.volume], env)
    # A file system on the whole volume, so that the backup has used data to archive.
    run([ansible] + inventory + ["controller", "-m", "ansible.builtin.shell", "-a",
                                 "mkfs.ext4 -q -F /dev/nova-volumes/{0} && mkdir -p /mnt/{0} && mount /dev/nova-volumes/{0} /mnt/{0}"
                                 " && echo bench >/mnt/{0}/file && umount /mnt/{0}".format(args.volume)], env)
    both = "controller,%s" % args.instance
    timings = dict((name, []) for name in ("ping both", "ping controller", "ping compute", "attach", "detach", "volume-list",
                                           "cli attach", "cli detach", "backup"))
    print("lab %s, backend %s, %d rounds, volume on %s, load average before: %s"
          % (args.lab, args.backend, args.rounds, args.instance, load()), flush=True)
    try:
        for _round in range(args.rounds):
            timings["ping both"].append(run([ansible] + inventory + [both, "-m", "ansible.builtin.ping"], env)[0])
            timings["ping controller"].append(run([ansible] + inventory + ["controller", "-m", "ansible.builtin.ping"], env)[0])
            timings["ping compute"].append(run([ansible] + inventory + [args.instance, "-m", "ansible.builtin.ping"], env)[0])
            took, output = run([playbook] + inventory + ["playbooks/volume_attach.yml", "-e", "mountpoint=/dev/vdb"] + extra, env)
            if READ_BACK not in output:
                sys.exit("volume_attach.yml did not report a disk that reads back:\n%s" % output[-3000:])
            timings["attach"].append(took)
            timings["detach"].append(run([playbook] + inventory + ["playbooks/volume_detach.yml"] + extra, env)[0])
            timings["volume-list"].append(run([novavol, "volume-list"], env)[0])
            timings["cli attach"].append(run([novavol, "volume-attach", args.instance, args.volume, "/dev/vdb"], env)[0])
            timings["cli detach"].append(run([novavol, "volume-detach", args.instance, args.volume], env)[0])
            timings["backup"].append(run([novavol, "volume-backup", args.volume], env)[0])
    finally:
        subprocess.run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a",
                                                 "name=%s state=absent force=true target_backend=%s" % (args.volume, args.backend)],
                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    both, controller = (statistics.median(timings[name]) for name in ("ping both", "ping controller"))
    print("ping controller+compute  %s" % summary(timings["ping both"]))
    print("ping controller          %s" % summary(timings["ping controller"]))
    # The baseline of the figures before session 9 (bench/README.md), for comparison.
    print("ping compute host        %s" % summary(timings["ping compute"]))
    print("attach (to a read disk)  %s" % summary(timings["attach"], both))
    print("detach                   %s" % summary(timings["detach"], both))
    print("novavol volume-list      %s" % summary(timings["volume-list"], controller))
    print("novavol volume-attach    %s" % summary(timings["cli attach"], both))
    print("novavol volume-detach    %s" % summary(timings["cli detach"], both))
    print("novavol volume-backup    %s" % summary(timings["backup"], controller))
    print("load average after: %s" % load())


if __name__ == "__main__":
    main()
