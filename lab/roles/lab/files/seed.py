# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prepared lab states ("seeds"): the hosts' disks after one playbook run on a bare lab.

  seed.py make --cache DIR --image-dir DIR --lab-playbooks DIR --name NAME [--key-root DIR]
               [--input PATH]... --playbook PATH [--playbook-arg ARG]...
      Prints {"dir": SEED, "made": bool, "seconds": N}. The seed's key covers the image, the
      name, the playbook and its arguments, and the content of every --input (files, or folders
      walked in full), so that any change to what the playbook would do makes a new seed; paths
      count relative to --key-root, so that clones of one repository share their seeds. A seed
      is made at most once per key, also by runs side by side (a lock per key): on a lab of its
      own, the playbook run, the hosts powered off from inside (so that every file system is
      clean), their copy-on-write layers and extra disks copied, the lab removed.
      The lab boots from a base when there is one: the newest seed of the same name and image
      made on bare hosts in the last BASE_MAX_AGE_DAYS days. The playbook then only converges
      what changed since (a change to the roles or modules costs a fraction of a bare run, and
      every change makes a new key). A seed made that way is never a base itself, so that each
      seed is at most one run away from a bare lab; with no base, the lab boots bare and the
      seed becomes one. The bare convergence itself is what the roles scenarios test on every
      run.
  seed.py restore --seed DIR --state-dir DIR --host NAME...
      Copies the seed's disks of each host into the lab's state folder, for the hosts that have no
      copy-on-write file there yet (a running or stopped lab keeps its own). Prints
      {"restored": [NAME, ...]}.
"""

import argparse
import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

COMPLETE = "complete.json"
POWEROFF_TIMEOUT = 180
BASE_MAX_AGE_DAYS = 7


def content_key(args):
    # Paths count relative to --key-root, so that two checkouts of the same content share a seed.
    root = os.path.abspath(args.key_root) + os.sep

    def relative(text):
        return text.replace(root, "")

    digest = hashlib.sha256()
    for word in [os.path.basename(os.path.normpath(args.image_dir)), args.name, os.path.abspath(args.playbook)] + args.playbook_arg:
        digest.update(relative(word).encode() + b"\0")
    for top in sorted(os.path.abspath(p) for p in args.input):
        if os.path.isfile(top):
            files = [top]
        elif os.path.isdir(top):
            files = sorted(
                os.path.join(folder, name)
                for folder, subfolders, names in os.walk(top)
                if "__pycache__" not in folder.split(os.sep)
                for name in names if not name.endswith(".pyc")
            )
        else:
            raise SystemExit("seed input %s does not exist" % top)
        for path in files:
            digest.update(relative(path).encode() + b"\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()[:16]


def run(argv, env):
    print("+ " + " ".join(argv), file=sys.stderr, flush=True)
    # The nested runs' output goes to our stderr, which the caller keeps for a failed make.
    subprocess.run(argv, env=env, check=True, stdout=sys.stderr)


def lab_pids(state_dir):
    pids = []
    for pid_file in glob.glob(os.path.join(state_dir, "pids", "*.pid")):
        with open(pid_file) as handle:
            text = handle.read().strip()
        if text.isdigit() and os.path.exists("/proc/%s" % text):
            pids.append(int(text))
    return pids


def wait_for_poweroff(state_dir):
    deadline = time.monotonic() + POWEROFF_TIMEOUT
    while lab_pids(state_dir):
        if time.monotonic() > deadline:
            raise SystemExit("the seed lab's hosts did not power off within %ss (%s)" % (POWEROFF_TIMEOUT, lab_pids(state_dir)))
        time.sleep(1)


def copy_disks(source_dir, dest_dir, host):
    # <host>.cow.backing names the image the layer was made over (uml_host discards a layer
    # whose record is missing or names another image).
    names = [host + ".cow", host + ".cow.backing"] + sorted(
        os.path.basename(p) for p in glob.glob(os.path.join(source_dir, host + "-ubd?.img")))
    for name in names:
        # Sparse: the extra disk is tens of GiB of which a few MiB are written.
        subprocess.run(["cp", "--sparse=always", os.path.join(source_dir, name), os.path.join(dest_dir, name)], check=True)
    return names


def find_base(args):
    """The newest seed of this name, made on bare hosts over the same image, recent enough."""
    image = os.path.join(os.path.abspath(args.image_dir), "root.img")
    oldest = time.time() - BASE_MAX_AGE_DAYS * 86400
    bases = []
    for complete in glob.glob(os.path.join(args.cache, args.name + "-*", COMPLETE)):
        folder = os.path.dirname(complete)
        with open(complete) as handle:
            record = json.load(handle)
        made = os.path.getmtime(complete)
        backings = glob.glob(os.path.join(folder, "*.cow.backing"))
        if record.get("derived_from") or not backings or made < oldest:
            continue
        if all(read_text(path) == image for path in backings):
            bases.append((made, folder))
    return max(bases)[1] if bases else None


def read_text(path):
    with open(path) as handle:
        return handle.read().strip()


def make(args):
    started = time.monotonic()
    key = content_key(args)
    seed = os.path.join(args.cache, "%s-%s" % (args.name, key))
    os.makedirs(args.cache, exist_ok=True)
    with open(seed + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(seed, COMPLETE)):
            return {"dir": seed, "made": False, "seconds": round(time.monotonic() - started, 1)}
        lab_name = "seed-" + key[:8]
        env = dict(os.environ, NOVALAB_NAME=lab_name)
        state_dir = os.path.join("/var/tmp/novavolume-lab", lab_name)
        playbook_bin = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
        ansible_bin = os.path.join(os.path.dirname(sys.executable), "ansible")
        lab_up = os.path.join(args.lab_playbooks, "lab_up.yml")
        lab_down = os.path.join(args.lab_playbooks, "lab_down.yml")
        inventory = os.path.join(state_dir, "inventory.yml")
        base = find_base(args)
        try:
            run([playbook_bin, lab_down], env)
            if base:
                # lab_up keeps the copy-on-write layers it finds (over the same image).
                print("+ booting from the base %s" % base, file=sys.stderr, flush=True)
                os.makedirs(state_dir, exist_ok=True)
                with open(os.path.join(base, COMPLETE)) as handle:
                    for host in json.load(handle)["hosts"]:
                        copy_disks(base, state_dir, host)
            run([playbook_bin, lab_up], env)
            run([playbook_bin, "--inventory=" + inventory] + args.playbook_arg + [args.playbook], env)
            # From inside, so that systemd stops the services and unmounts every file system.
            run([ansible_bin, "--inventory=" + inventory, "all", "-m", "ansible.builtin.command",
                 "-a", "systemctl poweroff --no-block"], env)
            wait_for_poweroff(state_dir)
            partial = tempfile.mkdtemp(prefix=os.path.basename(seed) + ".", dir=args.cache)
            hosts = sorted(os.path.basename(p)[:-len(".cow")] for p in glob.glob(os.path.join(state_dir, "*.cow")))
            manifest = {host: copy_disks(state_dir, partial, host) for host in hosts}
            with open(os.path.join(partial, COMPLETE), "w") as handle:
                json.dump({"key": key, "playbook": args.playbook, "args": args.playbook_arg, "hosts": manifest,
                           "derived_from": base and os.path.basename(base)}, handle, indent=1)
            shutil.rmtree(seed, ignore_errors=True)
            os.rename(partial, seed)
        finally:
            subprocess.run([playbook_bin, lab_down], env=env, check=False, stdout=sys.stderr)
    return {"dir": seed, "made": True, "derived_from": base, "seconds": round(time.monotonic() - started, 1)}


def restore(args):
    with open(os.path.join(args.seed, COMPLETE)) as handle:
        hosts = json.load(handle)["hosts"]
    restored = []
    for host in args.host:
        if host not in hosts:
            raise SystemExit("seed %s holds no disks of host %s (it has %s)" % (args.seed, host, sorted(hosts)))
        if not os.path.exists(os.path.join(args.state_dir, host + ".cow")):
            copy_disks(args.seed, args.state_dir, host)
            restored.append(host)
    return {"restored": restored}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    maker = commands.add_parser("make")
    maker.add_argument("--cache", required=True)
    maker.add_argument("--image-dir", required=True)
    maker.add_argument("--lab-playbooks", required=True)
    maker.add_argument("--name", required=True)
    maker.add_argument("--key-root", default="/", help="paths in the key count relative to this folder")
    maker.add_argument("--input", action="append", default=[])
    maker.add_argument("--playbook", required=True)
    maker.add_argument("--playbook-arg", action="append", default=[])
    restorer = commands.add_parser("restore")
    restorer.add_argument("--seed", required=True)
    restorer.add_argument("--state-dir", required=True)
    restorer.add_argument("--host", action="append", required=True)
    args = parser.parse_args()
    print(json.dumps(make(args) if args.command == "make" else restore(args)))


if __name__ == "__main__":
    main()
