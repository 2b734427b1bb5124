#!/usr/bin/env python3
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A no-op playbooks/site.yml on the lab, printed with a baseline.

site.yml is run once to converge (not timed), then --rounds times with nothing left to do; each
timed run must report changed=0. For the no-op runs it prints the total seconds, the ratio to
the baseline, the tasks each host ran and skipped (from the recap), and the seconds per role
(ansible.posix.profile_roles; plays' own tasks are counted under their module's name).
Baseline: one `ansible -m ping` round trip to the same hosts, measured in the same run, so the
figures read as "so many Ansible round trips" on machines of different speed.

    NOVALAB_NAME=bench .venv/bin/python bench/site_noop.py [--rounds 3] [--inventory EXTRA.yml]

Run from the repository root on a running lab (the lab's inventory; --inventory adds another,
e.g. molecule/roles/inventory/hosts.yml for the scenario's volumes and attachments).
"""

import argparse
import os
import re
import statistics
import sys

from common import BIN, inventory_args, lab_env, run

RECAP_LINE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")
ROLE_LINE = re.compile(r"^(\S+) -+ +([0-9.]+)s$")


def recap(output):
    """{host: {ran, changed, skipped}} from the PLAY RECAP."""
    hosts = {}
    for line in output.splitlines():
        match = RECAP_LINE.match(line.strip())
        if match:
            host, ok, changed, _unreachable, failed, skipped = match.groups()
            hosts[host] = {"ran": int(ok) + int(failed), "changed": int(changed), "skipped": int(skipped)}
    return hosts


def roles(output):
    """{role or module: seconds} from profile_roles' ROLES RECAP."""
    seconds, inside = {}, False
    for line in output.splitlines():
        if line.startswith("ROLES RECAP"):
            inside = True
            continue
        match = ROLE_LINE.match(line.strip()) if inside else None
        if match and match.group(1) != "total":
            seconds[match.group(1)] = float(match.group(2))
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("NOVALAB_NAME", "novalab"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inventory", action="append", default=[], help="another inventory, after the lab's")
    args = parser.parse_args()

    env = lab_env(args.lab)
    inventory = inventory_args(args.lab)
    for extra in args.inventory:
        inventory += ["-i", extra]
    ansible, playbook = os.path.join(BIN, "ansible"), os.path.join(BIN, "ansible-playbook")
    profiled = dict(env, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_roles")

    run([playbook] + inventory + ["playbooks/site.yml"], env)
    baseline, totals, runs = [], [], []
    for _round in range(args.rounds):
        baseline.append(run([ansible] + inventory + ["compute:controller", "-m", "ansible.builtin.ping"], env)[0])
        took, output = run([playbook] + inventory + ["playbooks/site.yml"], profiled)
        hosts = recap(output)
        changed = dict((host, counts["changed"]) for host, counts in hosts.items() if counts["changed"])
        if changed:
            sys.exit("site.yml was not a no-op: changed on %s" % changed)
        totals.append(took)
        runs.append((hosts, roles(output)))

    base = statistics.median(baseline)
    median = statistics.median(totals)
    hosts, per_role = runs[totals.index(sorted(totals)[len(totals) // 2])]
    print("lab %s, %d rounds, hosts %s" % (args.lab, args.rounds, ", ".join(sorted(hosts))))
    print("baseline (ansible ping, all hosts)  median %6.1f s  min %6.1f s  max %6.1f s"
          % (base, min(baseline), max(baseline)))
    print("no-op site.yml                      median %6.1f s  min %6.1f s  max %6.1f s  = %.1f x baseline"
          % (median, min(totals), max(totals), median / base))
    print("tasks per host (median run): %s" % ", ".join(
        "%s %d ran, %d skipped" % (host, counts["ran"], counts["skipped"]) for host, counts in sorted(hosts.items())))
    print("seconds per role (median run, hosts in parallel):")
    for name, seconds in sorted(per_role.items(), key=lambda item: -item[1]):
        print("  %-40s %6.1f s" % (name, seconds))


if __name__ == "__main__":
    main()
