"""roles/volume_backup/files/build_zipapp.py: the nightly command as one executable zip archive
holding the script and the module_utils it imports, byte for byte the same for the same inputs."""

import pathlib
import subprocess
import sys
import zipfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "volume_backup"
sys.path.insert(0, str(ROLE / "files"))

import build_zipapp  # noqa: E402  (a script of the role's files/)

UTILS = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["__volume_backup_utils"]


def build(path):
    build_zipapp.build(str(path), str(ROLE / "files" / "novavolume_backup.py"), str(ROOT / "plugins" / "module_utils"), UTILS)
    return path


def test_archive_holds_the_script_and_its_module_utils(tmp_path):
    archive = build(tmp_path / "novavolume-backup")
    assert archive.read_bytes().startswith(b"#!/usr/bin/python3\n")
    assert archive.stat().st_mode & 0o777 == 0o755
    names = zipfile.ZipFile(str(archive)).namelist()
    package = "ansible_collections/novavolume/lvm_iscsi/plugins/module_utils/"
    assert "__main__.py" in names
    assert sorted(name[len(package):] for name in names if name.startswith(package) and name != package + "__init__.py") == sorted(UTILS)


def test_same_inputs_same_bytes(tmp_path):
    # The role's copy must report no change when nothing changed.
    assert build(tmp_path / "one").read_bytes() == build(tmp_path / "two").read_bytes()


def test_the_archive_runs_and_imports_from_itself(tmp_path):
    archive = build(tmp_path / "novavolume-backup")
    config = tmp_path / "backup.json"
    config.write_text('{"destination": "not/absolute"}')
    # Isolated (-I) and run from an empty folder: every import must come from the zip, so a
    # module_util the script needs but the role does not pack fails here, not at night.
    run = subprocess.run([sys.executable, "-I", str(archive), str(config)], cwd=str(tmp_path),
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    assert "novavolume backup failed:" in run.stdout and "Traceback" not in run.stderr
