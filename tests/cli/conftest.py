"""Replay recorded ansible-runner runs in place of real ones, so the CLI is tested from argument
parsing to output without a lab. tests/cli/fixtures/: made by record_fixtures.py against the fake
collection of fakelab.py, and lab_*.json copied from the artifacts of a run on a lab."""

import io
import json
import os

import pytest

from novavol.events import RunResult
from novavol.main import main

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_run(name):
    with open(os.path.join(FIXTURES, name + ".json")) as handle:
        recorded = json.load(handle)
    return RunResult(recorded["events"], recorded["status"], recorded["rc"], "/artifacts/" + name)


class ReplayRunner:
    """Answers each run with the next recorded one; the script says which run is expected:
    ("module", "volume_info", "list_empty") or ("playbook", "volume_attach.yml", "attach")."""

    def __init__(self, script, root, inventory, progress):
        self.script = list(script)
        self.root = root
        self.inventory = inventory
        self.progress = progress
        self.calls = []

    def _replay(self, kind, name, params):
        assert self.script, "unexpected %s %s %r: the script has no more runs" % (kind, name, params)
        expected_kind, expected_name, fixture = self.script.pop(0)
        assert (kind, name) == (expected_kind, expected_name), "expected %s %s, got %s %s" % (
            expected_kind, expected_name, kind, name)
        self.calls.append((kind, name, params))
        result = load_run(fixture)
        self.progress.start(name)
        for event in result.events:
            self.progress.on_event(event)
        self.progress.finish()
        return result

    def module(self, module, args, host_pattern="controller[0]", title=None):
        return self._replay("module", module, dict(args, _hosts=host_pattern))

    def playbook(self, name, extravars=None, title=None, inventory=True):
        return self._replay("playbook", name, dict(extravars or {}))


class CliRun:
    def __init__(self, code, stdout, stderr, runner):
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.runner = runner
        self.calls = runner.calls if runner else []

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli(monkeypatch):
    """cli(argv, script) -> CliRun; fails the test if a scripted run was not made."""
    monkeypatch.setenv("NOVAVOL_ROOT", ROOT)
    monkeypatch.delenv("NOVALAB_NAME", raising=False)

    def run(argv, script=()):
        made = {}

        def factory(root, inventory, progress):
            made["runner"] = ReplayRunner(script, root, inventory, progress)
            return made["runner"]

        stdout, stderr = io.StringIO(), io.StringIO()
        code = main(argv, runner_factory=factory, stdout=stdout, stderr=stderr)
        runner = made.get("runner")
        if runner is not None and code == 0:
            assert not runner.script, "runs left unused: %r" % (runner.script,)
        return CliRun(code, stdout.getvalue(), stderr.getvalue(), runner)

    return run
