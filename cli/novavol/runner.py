"""Runs the collection's modules (ad-hoc) and playbooks through ansible-runner's Python API.

Every run uses the repository's ansible.cfg and collections, keeps its job events under one
known folder (printed when something fails) and feeds each event to the progress display.
"""

import hashlib
import json
import os
import sys
import threading
from datetime import datetime, timezone

import ansible_runner

from novavol.errors import UsageError
from novavol.events import RunResult

# Keep this many past runs' artifacts; older ones are removed by ansible-runner.
KEEP_ARTIFACTS = 100
FQCN = "novavolume.lvm_iscsi."


def find_root(start=None):
    """The repository (collection) root: $NOVAVOL_ROOT, else the nearest parent of the current
    directory holding the collection's galaxy.yml, else the checkout this package was installed from."""
    if os.environ.get("NOVAVOL_ROOT"):
        return os.path.abspath(os.environ["NOVAVOL_ROOT"])
    candidates = []
    here = os.path.abspath(start or os.getcwd())
    while True:
        candidates.append(here)
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    candidates.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for path in candidates:
        if _is_collection_root(path):
            return path
    raise UsageError("cannot find the novavolume.lvm_iscsi checkout: run from inside it or set NOVAVOL_ROOT")


def _is_collection_root(path):
    galaxy = os.path.join(path, "galaxy.yml")
    if not os.path.isfile(galaxy):
        return False
    with open(galaxy, encoding="utf-8") as handle:
        text = handle.read()
    return "namespace: novavolume" in text and "name: lvm_iscsi" in text


def inventory_exists(path):
    """A file, or a folder holding at least one inventory file (not only group_vars/):
    inventories/lab is in the checkout even while the default lab is down."""
    if os.path.isdir(path):
        return any(os.path.isfile(os.path.join(path, entry)) for entry in os.listdir(path))
    return os.path.isfile(path)


class AnsibleRunner:
    def __init__(self, root, inventory, progress, verbosity=0, artifacts_dir=None):
        self.root = root
        self.inventory = inventory
        self.progress = progress
        self.verbosity = verbosity
        self.artifacts_dir = artifacts_dir or os.environ.get("NOVAVOL_ARTIFACTS") or os.path.join(
            root, ".cache", "novavol", "artifacts"
        )
        self.private_data_dir = os.path.join(root, ".cache", "novavol", "runner")

    def envvars(self):
        color = self.progress.mode == "verbose" and getattr(self.progress.stream, "isatty", lambda: False)()
        return {
            "ANSIBLE_CONFIG": os.path.join(self.root, "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(self.root, "collections"),
            "ANSIBLE_ROLES_PATH": os.path.join(self.root, "roles"),
            # ansible-runner starts `ansible`/`ansible-playbook` from PATH: use this venv's.
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
            "ANSIBLE_FORCE_COLOR" if color else "ANSIBLE_NOCOLOR": "1",
            # SSH master sockets are named from user, host and port only, and every lab's hosts
            # have the same addresses (10.77.0.x, each lab in its own network namespace): with a
            # shared folder a run could reuse another lab's connection and act on that lab.
            "ANSIBLE_SSH_CONTROL_PATH_DIR": os.path.join(
                os.path.expanduser("~"), ".ansible", "cp",
                "novavol-" + hashlib.sha1(self.inventory.encode("utf-8")).hexdigest()[:12]),
        }

    def module(self, module, args, host_pattern="controller[0]", title=None):
        """Run one module ad hoc: a short name is one of this collection's modules."""
        return self._run(
            title or module,
            module=module if "." in module else FQCN + module,
            # JSON keeps values with spaces intact; ansible reads "{}" as a raw parameter, so send nothing.
            module_args=json.dumps(args, sort_keys=True) if args else "",
            host_pattern=host_pattern,
            inventory=self._inventory_path(),
        )

    def playbook(self, name, extravars=None, title=None, inventory=True):
        """Run playbooks/<name>; `inventory=False` for the localhost-only lab playbooks."""
        path = os.path.join(self.root, "playbooks", name)
        if not os.path.isfile(path):
            raise UsageError("playbook %s is missing from this checkout" % os.path.relpath(path, self.root))
        kwargs = dict(playbook=path, project_dir=self.root, extravars=extravars or {})
        if inventory:
            kwargs["inventory"] = self._inventory_path()
        return self._run(title or name, **kwargs)

    def _inventory_path(self):
        if not inventory_exists(self.inventory):
            raise UsageError(
                "no inventory at %s: bring the lab up with `novavol lab up` or pass -i INVENTORY" % self.inventory
            )
        return self.inventory

    def _run(self, title, **kwargs):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        ident = "%s-%s-%d" % (stamp, title.replace(" ", "_").replace("/", "_"), os.getpid())
        os.makedirs(self.private_data_dir, exist_ok=True)
        os.makedirs(self.artifacts_dir, exist_ok=True)
        cancel = threading.Event()
        self.progress.start(title)
        thread, runner = ansible_runner.run_async(
            private_data_dir=self.private_data_dir,
            artifact_dir=self.artifacts_dir,
            ident=ident,
            rotate_artifacts=KEEP_ARTIFACTS,
            envvars=self.envvars(),
            suppress_env_files=True,
            quiet=True,
            verbosity=max(self.verbosity - 1, 0) or None,
            event_handler=self._on_event,
            cancel_callback=cancel.is_set,
            **kwargs
        )
        try:
            while thread.is_alive():
                self.progress.tick()
                thread.join(0.1)
        except KeyboardInterrupt:
            cancel.set()
            thread.join()
        finally:
            self.progress.finish()
        return RunResult(runner.events, runner.status, runner.rc, os.path.join(self.artifacts_dir, ident))

    def _on_event(self, event):
        self.progress.on_event(event)
        return True
