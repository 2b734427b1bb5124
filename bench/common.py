# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the lab benchmarks share: the repository's paths, the environment of a run on one lab,
and a timed command that stops the benchmark when it fails."""

import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")


def lab_env(lab, **extra):
    """The environment of an ansible, ansible-playbook or novavol run on lab `lab`."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", NOVALAB_NAME=lab)
    # Every lab uses the same addresses: keep SSH connection sharing per lab.
    env.setdefault("ANSIBLE_SSH_CONTROL_PATH_DIR", os.path.expanduser("~/.ansible/cp-lab-%s" % lab))
    env.update(extra)
    return env


def inventory_args(lab):
    return ["--inventory=/var/tmp/novavolume-lab/%s/inventory.yml" % lab]


def run(argv, env):
    """Run a command from the repository root; return (seconds, output); exit when it fails."""
    start = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    took = time.monotonic() - start
    if done.returncode != 0:
        sys.exit("command failed (rc=%d): %s\n%s" % (done.returncode, " ".join(argv), done.stdout[-4000:]))
    return took, done.stdout


def load():
    """The machine's load average over the last minute, as /proc/loadavg shows it."""
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]
