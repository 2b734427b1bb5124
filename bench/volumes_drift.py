#!/usr/bin/env python3
"""Drift check of 100 volumes on the lab controller, timed three ways (issue 5).

Creates N small volumes (8M each, two 4 MiB extents) on the lab's controller, then times the
no-op re-run that a drift check is:
  (a) one call of novavolume.lvm_iscsi.volume with a `volumes:` list (one vgs + one lvs read),
  (b) `loop:` over novavolume.lvm_iscsi.volume, one volume per item,
  (c) `loop:` over community.general.lvol, the baseline.
Each is a whole ansible-playbook run (start-up included, the same for all three) and must
report nothing changed. Prints seconds and the ratios against (a); the goal is (c)/(a) >= 10.
No assertion on time: the figures are for the reader.

    NOVALAB_NAME=volumes .venv/bin/python bench/volumes_drift.py [--count 100] [--repeat 1] [--keep]

Run from the repository root with the lab up (lab/playbooks/lab_up.yml) and nova-volumes present.
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"

HEADER = """---
- name: {title}
  hosts: controller
  become: true
  gather_facts: false
  vars:
    bench_volumes: "{{{{ range(1, {count} + 1) | map('string') | map('regex_replace', '^', 'bench-') | list }}}}"
  tasks:
"""

PLAYS = {
    "create": """    - name: Create the volumes
      novavolume.lvm_iscsi.volume:
        volumes: "{{ bench_volumes | map('community.general.dict_kv', 'name') | map('combine', {'size': '8M'}) | list }}"
""",
    "a_one_call": """    - name: One call with a volumes list
      novavolume.lvm_iscsi.volume:
        volumes: "{{ bench_volumes | map('community.general.dict_kv', 'name') | map('combine', {'size': '8M'}) | list }}"
""",
    "b_loop_volume": """    - name: Loop over the volume module
      novavolume.lvm_iscsi.volume:
        name: "{{ item }}"
        size: 8M
      loop: "{{ bench_volumes }}"
""",
    "c_loop_lvol": """    - name: Loop over community.general.lvol
      community.general.lvol:
        vg: nova-volumes
        lv: "{{ item }}"
        size: 8m
      loop: "{{ bench_volumes }}"
""",
    "remove": """    - name: Remove the volumes
      novavolume.lvm_iscsi.volume:
        volumes: "{{ bench_volumes | map('community.general.dict_kv', 'name') | map('combine', {'state': 'absent'}) | list }}"
""",
}

LABELS = {
    "a_one_call": "(a) one call, volumes: list",
    "b_loop_volume": "(b) loop: over our volume module",
    "c_loop_lvol": "(c) loop: over community.general.lvol",
}


def run_play(name, count, inventory, workdir, env):
    path = pathlib.Path(workdir) / ("%s.yml" % name)
    path.write_text(HEADER.format(title=name, count=count) + PLAYS[name])
    started = time.monotonic()
    proc = subprocess.run(
        [str(PLAYBOOK), "-i", inventory, str(path)], cwd=str(ROOT), env=env, capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit("%s failed (rc=%d):\n%s\n%s" % (name, proc.returncode, proc.stdout[-4000:], proc.stderr[-2000:]))
    recap = re.search(r"controller\s*:\s*ok=(\d+)\s+changed=(\d+)", proc.stdout)
    changed = int(recap.group(2)) if recap else None
    return elapsed, changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="time each way this many times, keep the best")
    parser.add_argument("--keep", action="store_true", help="leave the volumes in place afterwards")
    args = parser.parse_args()

    lab = os.environ.get("NOVALAB_NAME", "novalab")
    inventory = "/var/tmp/novavolume-lab/%s/inventory.yml" % lab
    if not os.path.exists(inventory):
        sys.exit("no lab %r: %s is missing (bring it up with lab/playbooks/lab_up.yml)" % (lab, inventory))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    # Every lab's guests have the same addresses: keep ssh from reusing another lab's connection.
    env.setdefault("ANSIBLE_SSH_CONTROL_PATH_DIR", os.path.expanduser("~/.ansible/cp-%s" % lab))
    env["PATH"] = "%s:%s" % (ROOT / ".venv" / "bin", env.get("PATH", ""))

    with tempfile.TemporaryDirectory(prefix="nv-bench-") as workdir:
        seconds, _changed = run_play("create", args.count, inventory, workdir, env)
        print("lab %s: created/checked %d volumes of 8M in %.1f s" % (lab, args.count, seconds))
        timings = {}
        try:
            for way in ("a_one_call", "b_loop_volume", "c_loop_lvol"):
                best = None
                for _ in range(args.repeat):
                    seconds, changed = run_play(way, args.count, inventory, workdir, env)
                    if changed:
                        sys.exit("%s changed something (changed=%s): not a no-op drift check" % (way, changed))
                    best = seconds if best is None else min(best, seconds)
                timings[way] = best
                print("%-40s %8.1f s" % (LABELS[way], best), flush=True)
        finally:
            if not args.keep:
                run_play("remove", args.count, inventory, workdir, env)

    base = timings["a_one_call"]
    print()
    print("drift check of %d volumes (no-op re-run), best of %d:" % (args.count, args.repeat))
    for way in ("a_one_call", "b_loop_volume", "c_loop_lvol"):
        print("  %-40s %8.1f s   %6.1fx (a)" % (LABELS[way], timings[way], timings[way] / base))
    print("  (c)/(a) = %.1f (goal: >= 10)" % (timings["c_loop_lvol"] / base))


if __name__ == "__main__":
    main()
