"""uml_network from the table in test_uml_network.yaml.

Besides the harness's input/commands/output, a case says what the module sees outside `ip`:
  namespace: true       /run/netns/<name> exists (a file in a temporary NETNS_RUN_DIR)
  pids: [4242]          what netns_pids finds running in the namespace
  survivors: [4242]     what kill_pids reports as still alive after SIGKILL
  killed: [[4242]]      the kill_pids calls expected (none in check mode, none when nothing runs)
"""

import pathlib

import pytest

from ansible_collections.novavolume.lab.plugins.module_utils import lab
from ansible_collections.novavolume.lab.plugins.modules import uml_network
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


@pytest.mark.parametrize("case", CASES)
def test_uml_network(case, tmp_path, monkeypatch):
    run_dir = tmp_path / "netns"
    run_dir.mkdir()
    if case.get("namespace"):
        (run_dir / case["input"]["name"]).write_text("")
    monkeypatch.setattr(lab, "NETNS_RUN_DIR", str(run_dir))
    kill_calls = []

    def netns_pids(name):
        assert name == case["input"]["name"]
        return list(case.get("pids", []))

    def kill_pids(pids, timeout=10.0):
        kill_calls.append(list(pids))
        return list(case.get("survivors", []))

    monkeypatch.setattr(lab, "netns_pids", netns_pids)
    monkeypatch.setattr(lab, "kill_pids", kill_pids)
    check_case(uml_network, case)
    assert kill_calls == case.get("killed", [])
