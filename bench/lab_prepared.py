#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a molecule scenario pays for a lab with the service installed, bare against prepared.

  baseline  one `ansible -m ping` of the lab's three hosts (measured on the prepared lab)
  bare      lab_up of bare hosts, then playbooks/site.yml on them (what every scenario did before)
  prepared  molecule/shared/create.yml with NOVALAB_SEED=lio, exactly as a scenario's create
            runs it: the hosts boot from the saved state with site.yml applied
  make      making that state once (its key is new after any change to playbooks/, roles/,
            plugins/ or molecule/shared/inventory; made outside the timed boots)

    .venv/bin/python bench/lab_prepared.py [--lab-name bench] [--rounds 1]

Run from the repository root, as root. The bench lab is taken down first and at the end.
Prints seconds and ratios (bare/prepared, and each against the ping); asserts nothing on time.
"""

import argparse
import os
import statistics
import sys

from common import BIN, ROOT, inventory_args, lab_env, load, run

SEEDS = "/var/cache/novavolume-lab/seeds"


def lab_run(argv, lab, env=None):
    return run(argv, lab_env(lab, **(env or {})))


def lab_playbook(name, lab, env=None):
    return lab_run([os.path.join(BIN, "ansible-playbook"), name], lab, env)[0]


def seeds():
    return set(os.listdir(SEEDS)) if os.path.isdir(SEEDS) else set()


def prepared_up(lab):
    """Returns the seconds, and whether a new prepared state was made for it."""
    env = {"MOLECULE_PROJECT_DIRECTORY": ROOT, "NOVALAB_SEED": "lio"}
    before = seeds()
    took, dummy = lab_run([os.path.join(BIN, "ansible-playbook"), "molecule/shared/create.yml"], lab, env)
    return took, seeds() != before


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab-name", default="bench")
    parser.add_argument("--rounds", type=int, default=1, help="boots of each kind to time (medians printed)")
    args = parser.parse_args()
    lab = args.lab_name
    down = "lab/playbooks/lab_down.yml"

    print("lab %s, load average before: %s" % (lab, load()), flush=True)
    lab_playbook(down, lab)
    took, made = prepared_up(lab)
    if made:
        print("make      %7.1f s   (the prepared state was new: made once, then booted)" % took, flush=True)
    lab_playbook(down, lab)

    bare, prepared, ping = [], [], []
    for dummy in range(args.rounds):
        up = lab_playbook("lab/playbooks/lab_up.yml", lab)
        site, dummy = lab_run([os.path.join(BIN, "ansible-playbook")] + inventory_args(lab) + ["playbooks/site.yml"], lab)
        bare.append(up + site)
        lab_playbook(down, lab)
        took, made = prepared_up(lab)
        if made:
            sys.exit("the prepared state was made again inside the timed rounds")
        prepared.append(took)
        took, dummy = lab_run([os.path.join(BIN, "ansible")] + inventory_args(lab) + ["novavolume", "-m", "ansible.builtin.ping"], lab)
        ping.append(took)
        lab_playbook(down, lab)
    baseline = statistics.median(ping)
    print("baseline  %7.1f s   ansible -m ping of the three hosts" % baseline)
    for label, values in (("bare", bare), ("prepared", prepared)):
        seconds = statistics.median(values)
        print("%-9s %7.1f s   %5.1fx the ping" % (label, seconds, seconds / baseline))
    print("bare/prepared: %.2fx" % (statistics.median(bare) / statistics.median(prepared)))
    print("load average after: %s" % load(), flush=True)


if __name__ == "__main__":
    main()
