# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the roles read before they change anything, in one module call per host.

A role used to spend one round trip per read (service_facts, stat, slurp, wipefs, lsblk, pvs,
tgtadm, ufw status, ...); each read here is cheap on the host, and the round trips were what
cost. The roles then skip the tasks whose outcome the state already shows (a package already
installed, a service already enabled and running, a file already as wanted), and keep every
message and check of their own. Nothing here changes the host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import json
import os
import pwd
import re
import socket
import stat
import time

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import ArgFormat as fmt
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError, CommandRunner
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

# Files larger than this are described but their content is not returned.
MAX_CONTENT_BYTES = 1024 * 1024

PROC_MODULES = "/proc/modules"
MODULES_BUILTIN = "/lib/modules/%s/modules.builtin"
MODULES_LOAD_DIR = "/etc/modules-load.d"
MODPROBE_DIR = "/etc/modprobe.d"
LIO_ISCSI_DIR = "/sys/kernel/config/target/iscsi"
LIO_TARGET_PATTERN = re.compile(r"^(iqn|eui|naa)\.")
UFW_BINARY = "/usr/sbin/ufw"
SYSTEMD_PROPERTIES = "Id,LoadState,ActiveState,SubState,UnitFileState"


def dpkg_query_runner(module):
    # rc 1: some of the packages are unknown to dpkg (they are reported as not installed).
    return CommandRunner(
        module,
        "dpkg-query",
        dict(show=fmt.fixed("--show"), showformat=fmt.opt_val("--showformat"), packages=fmt.positional()),
        benign_rcs=(0, 1),
    )


def systemctl_show_runner(module):
    return CommandRunner(
        module,
        "systemctl",
        dict(show=fmt.fixed("show"), properties=fmt.opt_val("--property"), units=lambda units: ["--"] + list(units)),
    )


def wipefs_runner(module):
    return CommandRunner(module, "wipefs", dict(no_act=fmt.fixed("--no-act"), json=fmt.fixed("--json"), device=fmt.positional()))


def lsblk_runner(module):
    return CommandRunner(
        module,
        "lsblk",
        dict(
            json=fmt.fixed("--json"),
            bytes=fmt.fixed("--bytes"),
            paths=fmt.fixed("--paths"),
            output=fmt.opt_val("--output"),
            device=fmt.positional(),
        ),
    )


def pvs_runner(module):
    return CommandRunner(
        module,
        "pvs",
        dict(json=fmt.fixed("--reportformat", "json"), options=fmt.opt_val("--options")),
        benign_rcs=tuple(range(256)),
    )


def tgtadm_runner(module):
    return CommandRunner(
        module,
        "tgtadm",
        dict(lld=fmt.opt_val("--lld"), mode=fmt.opt_val("--mode"), op=fmt.opt_val("--op")),
    )


def ufw_runner(module):
    return CommandRunner(module, "ufw", dict(status=fmt.fixed("status")))


def _bin_path(module, name):
    return module.get_bin_path(name, required=False)


def read_packages(module, names):
    """{name: {installed, version}}; installed is None when the host has no dpkg to ask."""
    if not names:
        return {}
    if not _bin_path(module, "dpkg-query"):
        return dict((name, {"installed": None, "version": None}) for name in names)
    rc, out, err = dpkg_query_runner(module).run(
        "show showformat packages", show=True, showformat="${Package}\\t${db:Status-Abbrev}\\t${Version}\\n", packages=names
    )
    found = {}
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            # Status-Abbrev "ii " is "install ok installed"; anything else is not installed.
            found[fields[0].split(":")[0]] = {"installed": fields[1].startswith("ii"), "version": fields[2] or None}
    return dict((name, found.get(name, {"installed": False, "version": None})) for name in names)


SYSTEMCTL_SHOW_ATTEMPTS = 3
SYSTEMCTL_SHOW_PAUSE = 1.0


def _unit_name(name):
    return name if "." in name else name + ".service"


def read_services(module, names):
    """{name: {load_state, active_state, sub_state, unit_file_state}} from one systemctl show."""
    if not names:
        return {}
    if not _bin_path(module, "systemctl"):
        return dict((name, None) for name in names)
    units = [_unit_name(name) for name in names]
    runner = systemctl_show_runner(module)
    values = dict(show=True, properties=SYSTEMD_PROPERTIES, units=units)
    # A guest still booting was seen answering rc 0 and no output at all: ask again, briefly.
    for attempt in range(SYSTEMCTL_SHOW_ATTEMPTS):
        if attempt:
            time.sleep(SYSTEMCTL_SHOW_PAUSE)
        rc, out, err = runner.run("show properties units", **values)
        blocks = [block for block in re.split(r"\n\s*\n", out.strip()) if block.strip()]
        if len(blocks) == len(units):
            break
    else:
        detail = "expected %d units in the output, %d times" % (len(units), SYSTEMCTL_SHOW_ATTEMPTS)
        raise CommandError(runner.argv("show properties units", **values), rc, out, detail)
    services = {}
    for name, block in zip(names, blocks):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        services[name] = {
            "load_state": props.get("LoadState", ""),
            "active_state": props.get("ActiveState", ""),
            "sub_state": props.get("SubState", ""),
            "unit_file_state": props.get("UnitFileState", ""),
        }
    return services


def _regular_files(directory):
    if not os.path.isdir(directory):
        return []
    paths = [os.path.join(directory, entry) for entry in sorted(os.listdir(directory))]
    return [path for path in paths if os.path.isfile(path)]


def _read_lines(path):
    with open(path) as handle:
        return handle.readlines()


def read_kernel_modules(names):
    """{name: {loaded, persistent, params}} as community.general.modprobe judges them."""
    if not names:
        return {}
    with open(PROC_MODULES) as handle:
        loaded = set(line.split(" ", 1)[0] for line in handle)
    builtin = set()
    builtin_path = MODULES_BUILTIN % os.uname()[2]
    if os.path.exists(builtin_path):
        builtin = set(os.path.basename(line.strip()) for line in _read_lines(builtin_path))
    load_lines = [line for path in _regular_files(MODULES_LOAD_DIR) for line in _read_lines(path)]
    option_lines = [line for path in _regular_files(MODPROBE_DIR) for line in _read_lines(path)]
    state = {}
    for name in names:
        listed = re.compile(r"^ *%s *(?:[#;].*)?\n?\Z" % re.escape(name))
        options = re.compile(r"^options %s (\w+=\S+) *(?:[#;].*)?\n?\Z" % re.escape(name))
        state[name] = {
            "loaded": name.replace("-", "_") in loaded or (name + ".ko") in builtin,
            "persistent": any(listed.match(line) for line in load_lines),
            "params": sorted(match.group(1) for match in (options.match(line) for line in option_lines) if match),
        }
    return state


def describe_path(path):
    """exists, type (file, directory, block, link, other), mode ('0644'), owner, group, content."""
    try:
        info = os.lstat(path)
    except OSError:
        return {"exists": False}
    kinds = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISBLK, "block"), (stat.S_ISLNK, "link"))
    if stat.S_ISLNK(info.st_mode) and os.path.exists(path):
        # Like stat with follow: a link to a block device counts as that device.
        info = os.stat(path)
    kind = next((name for test, name in kinds if test(info.st_mode)), "other")
    described = {"exists": True, "type": kind, "mode": "%04o" % stat.S_IMODE(info.st_mode), "content": None}
    for key, lookup, number in (("owner", pwd.getpwuid, info.st_uid), ("group", grp.getgrgid, info.st_gid)):
        try:
            described[key] = lookup(number)[0]
        except KeyError:
            described[key] = str(number)
    if kind == "file" and info.st_size <= MAX_CONTENT_BYTES:
        with open(path, "rb") as handle:
            described["content"] = handle.read().decode("utf-8", "replace")
    return described


def read_lio_targets():
    """The names of the LIO iSCSI targets in configfs (empty when LIO is not loaded)."""
    if not os.path.isdir(LIO_ISCSI_DIR):
        return []
    return sorted(
        entry for entry in os.listdir(LIO_ISCSI_DIR)
        if LIO_TARGET_PATTERN.match(entry) and os.path.isdir(os.path.join(LIO_ISCSI_DIR, entry))
    )


def read_tgt_targets(module):
    """tgtadm's list of targets (text, empty when none)."""
    rc, out, err = tgtadm_runner(module).run("lld mode op", lld="iscsi", mode="target", op="show")
    return out


def read_ufw_status(module):
    """`ufw status` output when ufw is installed, else None."""
    if not os.path.exists(UFW_BINARY):
        return None
    rc, out, err = ufw_runner(module).run("status", status=True)
    return out


def _signature_types(out):
    return [signature["type"] for signature in json.loads(out)["signatures"]] if out.strip() else []


def read_disk(module, disk):
    """A disk's signatures and partitions, and the signatures on each partition (read-only)."""
    described = describe_path(disk)
    if not (described["exists"] and described["type"] == "block"):
        return {"exists": False}
    rc, out, err = wipefs_runner(module).run("no_act json device", no_act=True, json=True, device=disk)
    signatures = _signature_types(out)
    rc, out, err = lsblk_runner(module).run(
        "json bytes paths output device", json=True, bytes=True, paths=True, output="NAME,TYPE,PTTYPE,PARTTYPE", device=disk
    )
    device = json.loads(out)["blockdevices"][0]
    partitions = []
    for child in device.pop("children", None) or []:
        rc, out, err = wipefs_runner(module).run("no_act json device", no_act=True, json=True, device=child["name"])
        partitions.append(dict(child, signatures=_signature_types(out)))
    return {"exists": True, "signatures": signatures, "device": device, "partitions": partitions}


def read_pvs(module):
    """{listed, vgs: {pv: vg}}; listed is false when pvs cannot run (no lvm2 yet)."""
    if not _bin_path(module, "pvs"):
        return {"listed": False, "vgs": {}}
    rc, out, err = pvs_runner(module).run("json options", json=True, options="pv_name,vg_name")
    if rc != 0:
        return {"listed": False, "vgs": {}}
    rows = json.loads(out)["report"][0]["pv"]
    return {"listed": True, "vgs": dict((row["pv_name"], row["vg_name"]) for row in rows)}


def parse_address(text):
    """('ADDRESS', PORT) from 'ADDRESS:PORT' (IPv6 addresses in brackets or bare)."""
    address, sep, port = str(text).rpartition(":")
    if not sep or not address or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError("invalid address %r: expected ADDRESS:PORT with a port 1-65535" % (text,))
    return address.strip("[]"), int(port)


def accepts_connections(address, port, timeout=2.0):
    """Whether a TCP connection to address:port is accepted now."""
    try:
        connection = socket.create_connection((address, port), timeout=timeout)
    except (OSError, socket.error):
        return False
    connection.close()
    return True


def read_host_state(module, params):
    """All the reads asked for in params (the host_state module's options)."""
    services = list(params["services"])
    if params["tgt_targets"] and params["tgt_service"] not in services:
        services.append(params["tgt_service"])
    state = {
        "packages": read_packages(module, params["packages"]),
        "services": read_services(module, services),
        "kernel_modules": read_kernel_modules(params["kernel_modules"]),
        "files": dict((path, describe_path(path)) for path in params["files"]),
        "lio_targets": read_lio_targets() if params["lio_targets"] else [],
        "tgt_targets": None,
        "ufw_status": read_ufw_status(module) if params["ufw"] else None,
        "disks": dict((disk, read_disk(module, disk)) for disk in params["disks"]),
        "pvs": read_pvs(module) if params["pvs"] else {"listed": False, "vgs": {}},
        "tcp_connect": dict((text, accepts_connections(*parse_address(text))) for text in params["tcp_connect"]),
    }
    tgt = (state["services"].get(params["tgt_service"]) or {}) if params["tgt_targets"] else {}
    if tgt.get("sub_state") == "running":
        state["tgt_targets"] = read_tgt_targets(module)
    return state
