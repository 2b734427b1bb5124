"""The collection builds, installs into an empty path, documents every module, and the
execution environment definition renders with ansible-builder (no container engine needed)."""

import json
import os
import pathlib
import shutil
import subprocess
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
TARBALL_NAME = "%s-%s-%s.tar.gz" % (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
LAB_GALAXY = yaml.safe_load((ROOT / "lab" / "galaxy.yml").read_text())
LAB_MODULES = sorted(p.stem for p in (ROOT / "lab" / "plugins" / "modules").glob("*.py"))


# An empty configuration: the repository's ansible.cfg would add collections/ to the search
# path, and the installed tarball must work without it.
EMPTY_CONFIG = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / "novavolume-empty-ansible.cfg"


def run(argv, **kwargs):
    EMPTY_CONFIG.write_text("[defaults]\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(EMPTY_CONFIG))
    env.update(kwargs.pop("env", {}))
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, **kwargs)
    assert result.returncode == 0, "%s failed (%s):\n%s\n%s" % (argv, result.returncode, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(ROOT)])
    return out / TARBALL_NAME


def test_tarball_holds_the_collection_and_nothing_local(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "galaxy.yml" not in names and "MANIFEST.json" in names
    assert "meta/runtime.yml" in names
    for module in MODULES:
        assert "plugins/modules/%s.py" % module in names
    leaked = [n for n in names if n.split("/")[0] in (".venv", "collections", ".git", "molecule", "cli", ".build", "lab")]
    assert not leaked, leaked


def test_tarball_holds_no_lab_code(tarball):
    """The lab is test infrastructure (collection novavolume.lab under lab/), not the service."""
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    lab_code = [n for n in names if n.startswith(("lab/", "roles/lab", "playbooks/lab_", "inventories/lab"))
                or "uml" in n or n.endswith("module_utils/lab.py")]
    assert not lab_code, lab_code


def test_lab_collection_installs_beside_the_service(tarball, tmp_path):
    out = tmp_path / "dist"
    run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(ROOT / "lab")])
    lab_tarball = out / ("novavolume-lab-%s.tar.gz" % LAB_GALAXY["version"])
    with tarfile.open(lab_tarball) as archive:
        names = archive.getnames()
    assert "roles/lab/tasks/main.yml" in names and "playbooks/lab_up.yml" in names
    assert not [n for n in names if n.startswith("tests/")]
    installed = tmp_path / "installed"
    for archive in (tarball, lab_tarball):
        run([str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(installed), str(archive)])
    docs = module_docs(["novavolume.lab.%s" % module for module in LAB_MODULES], installed)
    assert sorted(docs) == sorted("novavolume.lab.%s" % module for module in LAB_MODULES)


def test_installed_tarball_documents_every_module(tarball, tmp_path):
    assert MODULES, "no modules found"
    # --no-deps: Galaxy is unreachable here, and ansible-doc needs nothing from the dependencies.
    run([str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(tmp_path), str(tarball)])
    names = ["novavolume.lvm_iscsi.%s" % module for module in MODULES]
    docs = module_docs(names, tmp_path)
    assert sorted(docs) == sorted(names)
    for fqcn, doc in docs.items():
        assert doc["doc"]["short_description"] and doc["examples"] and doc["return"], fqcn


def module_docs(names, collections_path):
    """ansible-doc's JSON for the modules, read from the installed collections in one run."""
    result = run([str(BIN / "ansible-doc"), "-t", "module", "--json"] + names,
                 env={"ANSIBLE_COLLECTIONS_PATH": str(collections_path)})
    return json.loads(result.stdout)


def test_execution_environment_renders(tarball, tmp_path):
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    ours = [c for c in ee["dependencies"]["galaxy"]["collections"] if c["name"] == "novavolume.lvm_iscsi"]
    assert ours and ours[0]["source"].endswith(TARBALL_NAME), "EE must install the current version's tarball"
    deps = yaml.safe_load((ROOT / "collections" / "requirements.yml").read_text())["collections"]
    for dep in deps:
        assert dep in ee["dependencies"]["galaxy"]["collections"], dep
    shutil.copy(ROOT / "execution-environment.yml", tmp_path / "execution-environment.yml")
    shutil.copy(tarball, tmp_path / TARBALL_NAME)
    context = tmp_path / "context"
    run([str(BIN / "ansible-builder"), "create", "-f", str(tmp_path / "execution-environment.yml"),
         "-c", str(context), "--output-filename", "Containerfile"])
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy" in containerfile and "ansible-core==2.19.14" in containerfile
    assert (context / "_build" / TARBALL_NAME).exists()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert any(c["name"] == "novavolume.lvm_iscsi" for c in requirements["collections"])


@pytest.mark.parametrize("tool", ["ansible", "ansible-playbook", "ansible-galaxy", "ansible-doc"])
def test_control_node_tools_start_without_warnings(tool):
    """Every run of ours starts these: a package of the venv that warns at import time (as
    cryptography 51 does in ansible-core's SSH agent code) would print on every run."""
    result = run([str(BIN / tool), "--version"])
    assert result.stderr == "", result.stderr
