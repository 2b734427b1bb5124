"""host_state against recorded command output (test_host_state.yaml) and a faked host.

Besides the harness's input/commands/output, a case may give what the host's files say:
  host:
    paths: {PATH: {type, mode, owner, group, content}}   described paths (others do not exist)
    proc_modules: [names]                                  /proc/modules
    modules_load: {FILE: content}                          /etc/modules-load.d
    modprobe: {FILE: content}                              /etc/modprobe.d
    lio_targets: [names]                                   /sys/kernel/config/target/iscsi (absent: not listed)
    ufw: true                                              /usr/sbin/ufw exists
    accepting: [ADDRESS:PORT]                              TCP connections accepted
"""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import host_state as state_utils
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import host_state
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

CASES = load_cases(pathlib.Path(__file__).with_suffix(".yaml"))


def write_tree(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        (directory / name).write_text(content)
    return str(directory)


@pytest.mark.parametrize("case", CASES)
def test_host_state(case, tmp_path):
    host = case.get("host") or {}
    paths = host.get("paths") or {}
    proc_modules = tmp_path / "proc_modules"
    proc_modules.write_text("".join("%s 16384 0 - Live 0x0\n" % name for name in host.get("proc_modules") or []))
    lio_dir = tmp_path / "lio"
    for target in host.get("lio_targets") or []:
        (lio_dir / target).mkdir(parents=True)
    ufw = tmp_path / "ufw"
    if host.get("ufw"):
        ufw.write_text("")

    def describe_path(path):
        if path not in paths:
            return {"exists": False}
        return dict({"exists": True, "mode": "0644", "owner": "root", "group": "root", "content": None}, **paths[path])

    def accepts_connections(address, port, timeout=2.0):
        wanted = "[%s]:%d" % (address, port) if ":" in address else "%s:%d" % (address, port)
        return wanted in (host.get("accepting") or [])

    with mock.patch.multiple(
        state_utils,
        describe_path=describe_path,
        accepts_connections=accepts_connections,
        PROC_MODULES=str(proc_modules),
        MODULES_BUILTIN=str(tmp_path / "none-%s"),
        MODULES_LOAD_DIR=write_tree(tmp_path / "modules-load.d", host.get("modules_load")),
        MODPROBE_DIR=write_tree(tmp_path / "modprobe.d", host.get("modprobe")),
        LIO_ISCSI_DIR=str(lio_dir),
        UFW_BINARY=str(ufw),
        SYSTEMCTL_SHOW_PAUSE=0,
    ):
        check_case(host_state, case)


def test_describe_path_reads_files_and_devices(tmp_path):
    conf = tmp_path / "iscsid.conf"
    conf.write_text("node.startup = automatic\n")
    conf.chmod(0o600)
    described = state_utils.describe_path(str(conf))
    assert described["exists"] and described["type"] == "file" and described["mode"] == "0600"
    assert described["content"] == "node.startup = automatic\n"
    assert state_utils.describe_path(str(tmp_path))["type"] == "directory"
    assert state_utils.describe_path(str(tmp_path / "missing")) == {"exists": False}
    link = tmp_path / "link"
    link.symlink_to(conf)
    assert state_utils.describe_path(str(link))["type"] == "file"


def test_parse_address():
    assert state_utils.parse_address("127.0.0.1:3260") == ("127.0.0.1", 3260)
    assert state_utils.parse_address("[::1]:3260") == ("::1", 3260)
    for bad in ("127.0.0.1", "host:0", ":3260", "host:port"):
        with pytest.raises(state_utils.ValidationError):
            state_utils.parse_address(bad)
