#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long the lab takes to come up, printed against the goals of issue 3.

  warm    lab/playbooks/lab_up.yml with the guest image cached, until all three hosts answer SSH
          (goal: 45 s or less on a 2-core machine)
  again   lab_up on the running lab: changes nothing (changed=0 is checked)
  down    lab/playbooks/lab_down.yml
  cold    --cold only: lab_up with the image built first (goal: 4 minutes or less). It builds
          into a private, empty image cache (--cold-cache, deleted before and after), so the
          shared cache that other labs run from is never touched.

    .venv/bin/python bench/lab_boot.py [--lab-name bench] [--rounds 1] [--cold]

Run from the repository root, as root. The bench lab ("bench" unless --lab-name) is taken down
first and at the end. Other labs running on the machine share its two cores: the figures are
only comparable on an otherwise idle machine (the load average is printed for that reason).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
GOALS = {"warm": 45.0, "cold": 240.0}


def run_playbook(name, lab, extra_vars=()):
    """Run lab/playbooks/<name>.yml for the lab; return (seconds, changed count)."""
    argv = [PLAYBOOK, os.path.join("lab", "playbooks", name + ".yml"), "-e", "lab_name=%s" % lab]
    for item in extra_vars:
        argv += ["-e", item]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), NOVALAB_NAME=lab)
    start = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    took = time.monotonic() - start
    if done.returncode != 0:
        sys.exit("%s failed (rc=%d):\n%s" % (" ".join(argv), done.returncode, done.stdout[-4000:]))
    match = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", done.stdout)
    return took, int(match.group(1)) if match else -1


def load():
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]


def line(label, seconds, goal=None):
    text = "%-6s %7.1f s" % (label, seconds)
    if goal:
        text += "   %.2f of the %d s goal" % (seconds / goal, goal)
    print(text, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab-name", default="bench")
    parser.add_argument("--rounds", type=int, default=1, help="warm boots to time (median printed)")
    parser.add_argument("--cold", action="store_true", help="also time a cold lab_up (builds an image)")
    parser.add_argument("--cold-cache", default="/var/tmp/novavolume-lab-bench-images",
                        help="private image cache for --cold (deleted before and after)")
    args = parser.parse_args()
    lab = args.lab_name

    print("lab %s, load average before: %s" % (lab, load()), flush=True)
    run_playbook("lab_down", lab)
    if args.cold:
        shutil.rmtree(args.cold_cache, ignore_errors=True)
        try:
            took, dummy = run_playbook("lab_up", lab, ["lab_image_cache_dir=%s" % args.cold_cache])
            line("cold", took, GOALS["cold"])
            run_playbook("lab_down", lab, ["lab_image_cache_dir=%s" % args.cold_cache])
        finally:
            shutil.rmtree(args.cold_cache, ignore_errors=True)

    # The shared image may still need building: do that outside the timed rounds.
    run_playbook("lab_up", lab)
    run_playbook("lab_down", lab)
    warm, again, down = [], [], []
    for dummy in range(args.rounds):
        took, dummy = run_playbook("lab_up", lab)
        warm.append(took)
        took, changed = run_playbook("lab_up", lab)
        if changed != 0:
            sys.exit("lab_up on the running lab changed %d things (expected 0)" % changed)
        again.append(took)
        took, dummy = run_playbook("lab_down", lab)
        down.append(took)
    line("warm", statistics.median(warm), GOALS["warm"])
    line("again", statistics.median(again))
    line("down", statistics.median(down))
    print("load average after: %s" % load(), flush=True)


if __name__ == "__main__":
    main()
