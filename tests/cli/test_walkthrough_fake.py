"""The walkthrough through the real ansible-runner, against the fake collection of fakelab.py:
proves the runner wiring (config, collections path, inventory, extravars, events, artifacts)
without a lab. The same walkthrough on the lab is molecule/cli."""

import io
import json
import os

import pytest

from novavol.main import main

from . import fakelab


class Outcome:
    def __init__(self, code, data, stderr):
        self.code = code
        self.data = data
        self.stderr = stderr


@pytest.fixture
def novavol(tmp_path, monkeypatch):
    root = str(tmp_path / "checkout")
    inventory, state = fakelab.build(root)
    monkeypatch.setenv("NOVAVOL_ROOT", root)
    monkeypatch.setenv(fakelab.STATE_ENV, state)
    monkeypatch.delenv("NOVALAB_NAME", raising=False)

    def run(*argv):
        stdout, stderr = io.StringIO(), io.StringIO()
        code = main(["-i", inventory, "--json"] + list(argv), stdout=stdout, stderr=stderr)
        return Outcome(code, json.loads(stdout.getvalue()), stderr.getvalue())

    run.root = root
    return run


def test_walkthrough(novavol):
    created = novavol("volume-create", "--display-name", "my volume", "1")
    assert created.code == 0 and (created.data["id"], created.data["status"]) == (1, "available")

    listed = novavol("volume-list").data["volumes"]
    assert [(v["id"], v["status"], v["attached_to"]) for v in listed] == [(1, "available", None)]

    assert novavol("volume-attach", "compute1", "my volume", "/dev/vdb").code == 0
    listed = novavol("volume-list").data["volumes"]
    assert [(v["status"], v["attached_to"], v["mountpoint"]) for v in listed] == [("in-use", "compute1", "/dev/vdb")]

    refused = novavol("volume-delete", "1")
    assert refused.code == 1
    assert refused.data["error"] == (
        "deleting volume 1 failed: controller1: Find the volume 1: volume 1 (volume-00000001) is in-use on "
        "compute1: detach it first (novavol volume-detach compute1 1), or use force. Nothing was changed.")

    assert novavol("volume-detach", "compute1", "1").code == 0
    backup = novavol("volume-backup", "1")
    assert backup.code == 0 and backup.data["changed"] is True
    assert novavol("volume-delete", "volume-00000001").code == 0
    assert novavol("volume-list").data == {"volumes": []}


def test_failure_keeps_the_job_events(novavol):
    inventory = os.path.join(novavol.root, "inventory.yml")
    with open(inventory, "w") as handle:
        handle.write('{"all": {"children": {"controller": {"hosts": {"controller1": '
                     '{"ansible_host": "127.0.0.1", "ansible_port": 1}}}}}}')
    failed = novavol("volume-list")
    assert failed.code == 1 and "Connection refused" in failed.data["error"]
    artifacts = failed.data["artifacts"]
    assert artifacts.startswith(os.path.join(novavol.root, ".cache", "novavol", "artifacts"))
    assert os.listdir(os.path.join(artifacts, "job_events"))
    assert "ansible-runner artifacts (job events): %s" % artifacts in failed.stderr
