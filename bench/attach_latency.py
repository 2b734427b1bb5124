#!/usr/bin/env python3
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attach and detach latency on the lab, printed with a baseline.

attach: from the start of playbooks/volume_attach.yml to a usable disk on the compute host
        (the playbook ends once udev's by-path link is there; a 1 MiB direct read then proves
        the disk answers, and is counted in);
detach: from the start of playbooks/volume_detach.yml to its end (logged out, export removed).
Baseline: one `ansible -m ping` round trip to the compute host, so the figures can be read as
"so many Ansible round trips" on machines of different speed.

    NOVALAB_NAME=attach .venv/bin/python bench/attach_latency.py [--rounds 3] [--backend lio]

Run from the repository root on a running lab with the nova-volumes VG (molecule/attach's
prepare). The bench creates its own volume and deletes it at the end.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")


def ansible_env(lab):
    env = dict(os.environ)
    # Every lab uses the same addresses: keep SSH connection sharing per lab.
    env.setdefault("ANSIBLE_SSH_CONTROL_PATH_DIR", os.path.expanduser("~/.ansible/cp-lab-%s" % lab))
    env["ANSIBLE_CONFIG"] = os.path.join(ROOT, "ansible.cfg")
    return env


def run(argv, env):
    """Run a command from the repository root; return seconds taken; fail loudly."""
    start = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    took = time.monotonic() - start
    if done.returncode != 0:
        sys.exit("command failed (rc=%d): %s\n%s" % (done.returncode, " ".join(argv), done.stdout[-3000:]))
    return took


def summary(values):
    return "median %6.1f s  min %6.1f s  max %6.1f s" % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("NOVALAB_NAME", "novalab"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", default="lio", choices=["lio", "tgt"])
    parser.add_argument("--instance", default="compute1")
    parser.add_argument("--volume", default="benchvolume")
    args = parser.parse_args()

    env = ansible_env(args.lab)
    inventory = ["-i", "/var/tmp/novavolume-lab/%s/inventory.yml" % args.lab]
    ansible, playbook = os.path.join(BIN, "ansible"), os.path.join(BIN, "ansible-playbook")
    extra = ["-e", "volume=%s" % args.volume, "-e", "instance=%s" % args.instance, "-e", "backend=%s" % args.backend]

    run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a", "name=%s size=1" % args.volume], env)
    baseline, attach, detach = [], [], []
    try:
        for _round in range(args.rounds):
            baseline.append(run([ansible] + inventory + [args.instance, "-m", "ansible.builtin.ping"], env))
            took = run([playbook] + inventory + ["playbooks/volume_attach.yml", "-e", "mountpoint=/dev/vdb"] + extra, env)
            lun = 1 if args.backend == "tgt" else 0
            link = "/dev/disk/by-path/ip-10.77.0.10:3260-iscsi-iqn.2010-10.org.openstack:%s-lun-%d" % (args.volume, lun)
            took += run([ansible] + inventory + [args.instance, "-m", "ansible.builtin.command",
                                                   "-a", "dd if=%s of=/dev/null bs=1M count=1 iflag=direct" % link], env)
            attach.append(took)
            detach.append(run([playbook] + inventory + ["playbooks/volume_detach.yml"] + extra, env))
    finally:
        subprocess.run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a",
                                                 "name=%s state=absent force=true target_backend=%s" % (args.volume, args.backend)],
                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    base = statistics.median(baseline)
    print("lab %s, backend %s, %d rounds, volume on %s" % (args.lab, args.backend, args.rounds, args.instance))
    print("baseline (ansible ping)  %s" % summary(baseline))
    print("attach (to usable disk)  %s  = %.1f x baseline" % (summary(attach), statistics.median(attach) / base))
    print("detach                   %s  = %.1f x baseline" % (summary(detach), statistics.median(detach) / base))


if __name__ == "__main__":
    main()
