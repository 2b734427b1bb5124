#!/usr/bin/env python3
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clones and snapshots on the lab, each printed with a baseline.

thin clones   --count (default 50) thin clones of one 1 GiB thin volume holding --data-mib of
              random data, one `volume` call each (source_volume): a thin snapshot made a volume,
              no data copied;
thick copies  --thick-count (default 5: each copies the whole GiB in the guest, so fewer) thick
              clones of a 1 GiB thick volume holding the same data, one `volume` call each: a new
              LV and a dd copy of every block;
snapshot      `novavol snapshot-create` of the thin volume (the CLI's run of
              playbooks/snapshot_create.yml), --rounds times, each snapshot deleted (untimed).
Baseline, measured in the same run: one `ansible -m ping` of the controller, so that the figures
read as "so many Ansible round trips" on machines of different speed.

    NOVALAB_NAME=bench .venv/bin/python bench/clone_snapshot.py [--count 50] [--thick-count 5]

Run from the repository root on a running lab set up with site.yml (scripts/bench.sh does it). The
bench makes a thin pool if the volume group has none, its volumes, clones and snapshots, and
deletes all of them at the end.
"""

import argparse
import json
import os
import statistics
import subprocess

from common import BIN, ROOT, inventory_args, lab_env, load, run

POOL = "nova-volumes-pool"


def summary(values, base):
    return "median %6.2f s  min %6.2f s  max %6.2f s  = %.1f x baseline" % (
        statistics.median(values), min(values), max(values), statistics.median(values) / base)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("NOVALAB_NAME", "novalab"))
    parser.add_argument("--count", type=int, default=50, help="thin clones")
    parser.add_argument("--thick-count", type=int, default=5, help="thick copies")
    parser.add_argument("--rounds", type=int, default=5, help="snapshot-create runs")
    parser.add_argument("--data-mib", type=int, default=256, help="random data written on each source volume")
    args = parser.parse_args()

    env = lab_env(args.lab)
    inventory = inventory_args(args.lab)
    ansible, novavol = os.path.join(BIN, "ansible"), os.path.join(BIN, "novavol")

    def on_controller(module, module_args):
        return run([ansible] + inventory + ["controller", "-m", module, "-a", module_args], env)

    def volume(module_args):
        return on_controller("novavolume.lvm_iscsi.volume", module_args)[0]

    _took, out = on_controller("ansible.builtin.command", "lvs --noheadings -o lv_name nova-volumes")
    made_pool = POOL not in out.split()
    if made_pool:
        on_controller("novavolume.lvm_iscsi.thin_pool", "name=%s size=16G" % POOL)
    thin_clones = ["bench-thin-%03d" % number for number in range(args.count)]
    thick_clones = ["bench-thick-%03d" % number for number in range(args.thick_count)]
    print("lab %s, %d thin clones, %d thick copies of 1 GiB volumes holding %d MiB, load average before: %s"
          % (args.lab, args.count, args.thick_count, args.data_mib, load()), flush=True)
    timings = dict(ping=[], thin=[], thick=[], snapshot=[])
    try:
        volume("name=bench-thin-source size=1 provisioning=thin")
        volume("name=bench-thick-source size=1")
        for source in ("bench-thin-source", "bench-thick-source"):
            on_controller("ansible.builtin.command", "dd if=/dev/urandom of=/dev/nova-volumes/%s bs=1M count=%d oflag=direct "
                          "status=none" % (source, args.data_mib))
        for number, name in enumerate(thin_clones):
            if number % 10 == 0:
                timings["ping"].append(run([ansible] + inventory + ["controller", "-m", "ansible.builtin.ping"], env)[0])
            timings["thin"].append(volume("name=%s source_volume=bench-thin-source" % name))
        for name in thick_clones:
            timings["ping"].append(run([ansible] + inventory + ["controller", "-m", "ansible.builtin.ping"], env)[0])
            timings["thick"].append(volume("name=%s source_volume=bench-thick-source" % name))
        for _round in range(args.rounds):
            timings["ping"].append(run([ansible] + inventory + ["controller", "-m", "ansible.builtin.ping"], env)[0])
            took, out = run([novavol, "--json", "-q", "snapshot-create", "bench-thin-source"], env)
            timings["snapshot"].append(took)
            run([novavol, "-q", "snapshot-delete", json.loads(out)["name"]], env)
    finally:
        names = thin_clones + thick_clones + ["bench-thin-source", "bench-thick-source"]
        subprocess.run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a",
                                                 json.dumps(dict(volumes=[dict(name=name, state="absent") for name in names],
                                                                 force=True))],
                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if made_pool:
            subprocess.run([ansible] + inventory + ["controller", "-m", "ansible.builtin.command", "-a",
                                                     "lvremove --yes nova-volumes/%s" % POOL],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    ping = statistics.median(timings["ping"])
    print("ping controller          median %6.2f s (%d runs, between the others)" % (ping, len(timings["ping"])))
    print("thin clone (each)        %s" % summary(timings["thin"], ping))
    print("thin clones, all %3d     %7.1f s" % (args.count, sum(timings["thin"])))
    if timings["thick"]:
        print("thick copy (each)        %s" % summary(timings["thick"], ping))
        print("thick / thin, each       %.1f x" % (statistics.median(timings["thick"]) / statistics.median(timings["thin"])))
    print("novavol snapshot-create  %s" % summary(timings["snapshot"], ping))
    print("load average after: %s" % load())


if __name__ == "__main__":
    main()
