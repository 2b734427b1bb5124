"""iscsi_probe: one case per diagnosis path, from tests/unit/plugins/modules/test_iscsi_probe.yaml.

Besides the harness's input/commands/output, a case gives what the host-facing calls return:
  network:
    resolve: [addresses]        or  {error: "Name or service not known"}
    connect: {address: null | ERRNO_NAME}   (null = accepted; addresses not listed are refused)
    initiator_file: iqn...      (the InitiatorName read from /etc/iscsi/initiatorname.iscsi; null = missing)
  host:                         what /sys shows of the sessions, disks and maps (tests/unit/fake_host.py)
  statuses: {check name: pass|fail|skipped}   every check, in order
  evidence_contains / fix_contains: {check name: substring}
"""

import pathlib
import socket
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import probe
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import iscsi_probe
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_host import FakeHostView, host_view_faked_by
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


def fake_network(network):
    resolve = network.get("resolve", ["10.77.0.10"])
    connect = network.get("connect", {})
    resolved, connected = [], []

    def resolve_host(host, port):
        resolved.append((host, port))
        if isinstance(resolve, dict):
            raise socket.gaierror(socket.EAI_NONAME, resolve["error"])
        return list(resolve)

    def tcp_connect(address, port, timeout):
        connected.append((address, port, timeout))
        return connect.get(address, "ECONNREFUSED") if connect else None

    return resolve_host, tcp_connect, resolved, connected


@pytest.mark.parametrize("case", CASES)
def test_iscsi_probe(case):
    network = case.get("network") or {}
    resolve_host, tcp_connect, _resolved, connected = fake_network(network)
    with mock.patch.object(probe, "resolve_host", resolve_host), mock.patch.object(
        probe, "tcp_connect", tcp_connect
    ), mock.patch.object(probe, "read_initiator_name", lambda: network.get("initiator_file")), host_view_faked_by(
        FakeHostView(case.get("host"))
    ):
        result = check_case(iscsi_probe, case)

    if result["failed"]:
        assert connected == [], "a refused input must not touch the network"
        return
    assert result["changed"] is False
    statuses = case.get("statuses")
    if statuses:
        got = dict((check["name"], check["status"]) for check in result["checks"])
        assert [check["name"] for check in result["checks"]] == list(probe.CHECK_NAMES)
        assert got == statuses, result["checks"]
    by_name = dict((check["name"], check) for check in result["checks"])
    for name, text in (case.get("evidence_contains") or {}).items():
        assert text in by_name[name]["evidence"], by_name[name]
    for name, text in (case.get("fix_contains") or {}).items():
        assert text in by_name[name]["fix"], by_name[name]
    for check in result["checks"]:
        # a failure always says what to do; a pass or a skip has nothing to fix
        assert bool(check["fix"]) == (check["status"] == "fail"), check
    for path in result["paths"] or []:
        # a path that is down says what to do; one that is up has nothing to fix
        assert bool(path["fix"]) == (path["status"] == "down"), path
    for path, text in zip(result["paths"] or [], case.get("path_fix_contains") or []):
        assert text in path["fix"], path


def test_read_initiator_name(tmp_path):
    conf = tmp_path / "initiatorname.iscsi"
    conf.write_text("## generated\nInitiatorName=iqn.2004-10.com.ubuntu:01:abc\n")
    assert probe.read_initiator_name(str(conf)) == "iqn.2004-10.com.ubuntu:01:abc"
    assert probe.read_initiator_name(str(tmp_path / "missing")) is None


def test_tcp_connect_real_sockets():
    """The errno naming against the loopback: one listening port, one closed port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        assert probe.tcp_connect("127.0.0.1", port, 2) is None
    finally:
        listener.close()
    assert probe.tcp_connect("127.0.0.1", port, 2) == "ECONNREFUSED"


def test_resolve_host_literal_and_unknown():
    assert probe.resolve_host("127.0.0.1", 3260) == ["127.0.0.1"]
    with pytest.raises(socket.gaierror):
        probe.resolve_host("no-such-host.invalid", 3260)
