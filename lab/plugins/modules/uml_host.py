#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: uml_host
short_description: One User Mode Linux guest of a lab, started inside the lab's network namespace
version_added: 0.1.0
description:
  - Starts or stops one User Mode Linux (UML) guest of a lab on the control node. The guest boots
    from a shared read-only root image through its own copy-on-write file, runs inside the lab's
    network namespace (see M(novavolume.lab.uml_network)) on a tap device of the lab
    bridge, and writes its console to a log file.
  - The guest's UML umid is V(<lab_name>-<name>). A guest counts as running while a host process
    with C(umid=<umid>) in its command line is alive, so O(state=stopped) also finds guests whose
    start was never recorded.
  - O(state=started) does nothing when the guest runs already; with O(wait=true) it then waits
    until the guest's SSH server answers through the namespace, and fails naming the host and the
    path of its console log when the guest exits or does not answer in time.
  - O(state=stopped) kills every host process of the guest and removes UML's C(~/.uml/<umid>)
    folder and the pid file. It keeps the copy-on-write file and the extra disks unless
    O(purge=true), and always keeps the console log.
  - The guest reads its identity from the kernel command line words
    C(lab.host=NAME lab.ip=ADDRESS/PREFIX lab.hosts=NAME:IP,...), which the lab image's
    C(lab-init) unit turns into its host name, address and C(/etc/hosts).
  - With O(second_tap) the guest gets a second network card (C(vec1)) on the lab's second
    storage network, and the word C(lab.ip2=ADDRESS/PREFIX) that C(lab-init) gives it.
author:
  - novavolume maintainers (!UNKNOWN)
extends_documentation_fragment:
  - novavolume.lvm_iscsi.attributes
options:
  name:
    description:
      - Host name of the guest inside the lab, for example V(controller).
    type: str
    required: true
  lab_name:
    description:
      - Name of the lab. The network namespace has this name, and the umid is V(<lab_name>-<name>).
    type: str
    default: novalab
  state:
    description:
      - V(started) boots the guest unless it runs; V(stopped) kills it.
    type: str
    choices: [started, stopped]
    default: started
  state_dir:
    description:
      - The lab's state folder. It holds C(<name>.cow), C(pids/<name>.pid) and C(console/<name>.log).
    type: path
    required: true
  image:
    description:
      - The shared read-only root file system image. Required with O(state=started).
      - When the copy-on-write file was made over another image it is discarded and made anew.
    type: path
  address:
    description:
      - The guest's address with prefix length, for example V(10.77.0.10/24). Required with O(state=started).
    type: str
  tap:
    description:
      - The tap device in the lab namespace that becomes the guest's network card. It must exist.
      - Required with O(state=started).
    type: str
  second_tap:
    description:
      - A second tap device in the lab namespace (on the lab's second storage network), which
        becomes the guest's second network card C(vec1). It must exist. Omit it for one card.
      - Requires O(second_address).
    type: str
  second_address:
    description:
      - The address with prefix length of the second network card, for example V(10.78.0.10/24).
      - Requires O(second_tap).
    type: str
  memory:
    description:
      - Guest memory, as the UML C(mem=) parameter.
    type: str
    default: 512M
  disks:
    description:
      - Sizes of extra disks, with a unit K, M, G or T, for example V(60G). The guest sees them in
        order as C(/dev/ubdb), C(/dev/ubdc), ...; their files are C(<state_dir>/<name>-ubdb.img), ...
      - A missing file is made sparse with the given size; an existing one is used as it is.
    type: list
    elements: str
    default: []
  hosts:
    description:
      - Names and addresses of all lab hosts, written to the guest's C(/etc/hosts).
    type: dict
    default: {}
  kernel:
    description:
      - The UML kernel to run.
    type: path
    default: /usr/bin/linux.uml
  kernel_args:
    description:
      - More words for the guest kernel command line.
    type: list
    elements: str
    default: []
  seccomp:
    description:
      - Run the guest's programs under seccomp instead of ptrace where the kernel has that mode
        (UML 6.16 and newer list C(seccomp=) in C(--help); the kernel then gets C(seccomp=on)).
        With it, a guest's page faults and system calls cost far fewer switches to the host,
        so Python starts about five times faster in the guests, a module call about twice as fast.
      - UML's own help says the mode trusts the guest's programs (they could reach the guest
        kernel's memory). Lab guests run only the lab image's programs and the tests'; set
        V(false) for a guest that runs anything else.
      - A kernel without the mode (Debian 12's 6.1) runs as before, under ptrace.
    type: bool
    default: true
  wait:
    description:
      - With O(state=started), wait until the guest's SSH server answers on O(ssh_port).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the SSH server, counted from the guest's start (or from now, when it runs already).
    type: int
    default: 180
  ssh_port:
    description:
      - Port of the guest's SSH server.
    type: int
    default: 22
  purge:
    description:
      - With O(state=stopped), also remove the guest's copy-on-write file and its extra disks
        (C(<state_dir>/<name>-ubd?.img)), so that its next start is a first boot. The console log stays.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Runs on the control node, as root (network namespaces and tap devices need it).
  - Start several guests with O(wait=false) first and then wait for each with O(wait=true), so that
    they boot side by side.
"""

EXAMPLES = r"""
- name: Boot the controller
  novavolume.lab.uml_host:
    name: controller
    lab_name: novalab
    state_dir: /var/tmp/novavolume-lab/novalab
    image: /var/cache/novavolume-lab/images/0123456789abcdef/root.img
    address: 10.77.0.10/24
    tap: tap-controller
    disks: [60G]
    hosts:
      controller: 10.77.0.10
      compute1: 10.77.0.11

- name: Stop it
  novavolume.lab.uml_host:
    name: controller
    lab_name: novalab
    state_dir: /var/tmp/novavolume-lab/novalab
    state: stopped
"""

RETURN = r"""
umid:
  description: The guest's UML umid.
  returned: always
  type: str
  sample: novalab-controller
pid:
  description: Pid of the guest's main host process; null when it is not running.
  returned: always
  type: int
  sample: 12345
console_log:
  description: Path of the guest's console log.
  returned: always
  type: str
  sample: /var/tmp/novavolume-lab/novalab/console/controller.log
command:
  description: The command that started the guest (when this run started it).
  returned: when the guest was started
  type: list
  elements: str
waited:
  description: Seconds spent waiting for the SSH server.
  returned: with O(state=started) and O(wait=true)
  type: float
  sample: 17.2
ssh_banner:
  description: The SSH identification line the guest answered with.
  returned: with O(state=started) and O(wait=true)
  type: str
  sample: SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7
image:
  description:
    - The root image the guest runs on. For a guest that ran already this is the image it was
      started on, which may differ from O(image) (a warning says so).
  returned: with O(state=started)
  type: str
  sample: /var/cache/novavolume-lab/images/0123456789abcdef/root.img
disks:
  description: The extra disks, as files on the control node and devices in the guest.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/var/tmp/novavolume-lab/novalab/controller-ubdb.img", "device": "/dev/ubdb"}]
removed:
  description: Files removed by O(purge=true).
  returned: with O(state=stopped)
  type: list
  elements: str
console_tail:
  description: The last lines of the console log.
  returned: on failure to come up
  type: str
"""

import glob
import os
import re
import shutil
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novavolume.lab.plugins.module_utils import lab
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import validation

SIZE = re.compile(r"^[1-9][0-9]*[KMGT]$")
_UNITS = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


class Guest(object):
    """File names and processes of one guest."""

    def __init__(self, params):
        self.name = params["name"]
        self.lab_name = params["lab_name"]
        self.umid = "%s-%s" % (self.lab_name, self.name)
        state_dir = params["state_dir"]
        self.cow = os.path.join(state_dir, "%s.cow" % self.name)
        self.cow_backing = self.cow + ".backing"
        self.console_log = os.path.join(state_dir, "console", "%s.log" % self.name)
        self.pid_file = os.path.join(state_dir, "pids", "%s.pid" % self.name)
        self.uml_dir = lab.uml_dir(self.umid)
        self.disk_pattern = os.path.join(state_dir, "%s-ubd[b-p].img" % self.name)
        self.disks = []
        for index, size in enumerate(params["disks"]):
            device = "ubd" + chr(ord("b") + index)
            path = os.path.join(state_dir, "%s-%s.img" % (self.name, device))
            self.disks.append({"path": path, "device": "/dev/" + device, "size": size})

    def pids(self):
        return lab.guest_pids(self.umid)


def validate(module):
    params = module.params
    lab.check_label(params["name"], "host name")
    lab.check_label(params["lab_name"], "lab name")
    # Absolute paths only: the guest runs in <state_dir>/pids, where relative ones mean other files.
    validation.absolute_path(params["state_dir"], "state_dir")
    if params["state"] == "started":
        validation.absolute_path(params["image"], "image")
        validation.absolute_path(params["kernel"], "kernel")
        if not 1 <= params["ssh_port"] <= 65535:
            raise lab.LabError("invalid ssh_port %r: expected a port number from 1 to 65535" % params["ssh_port"])
        lab.check_address(params["address"], "address")
        lab.check_ifname(params["tap"], "tap name")
        if params["second_tap"] is not None:
            lab.check_ifname(params["second_tap"], "second tap name")
            lab.check_address(params["second_address"], "second address")
            if params["second_tap"] == params["tap"]:
                raise lab.LabError("second_tap %r is the guest's first tap" % params["second_tap"])
        if not re.match(r"^[1-9][0-9]*[KMG]$", params["memory"]):
            raise lab.LabError("invalid memory %r: expected a size such as 512M" % params["memory"])
        if len(params["disks"]) > 15:
            raise lab.LabError("at most 15 extra disks (ubdb to ubdp)")
        for size in params["disks"]:
            if not SIZE.match(size):
                raise lab.LabError("invalid disk size %r: expected a size such as 60G" % size)
        for host, address in params["hosts"].items():
            lab.check_label(host, "host name in hosts")
            lab.check_ipv4(address, "address of %s in hosts" % host)
        for word in params["kernel_args"]:
            if not word or any(c.isspace() for c in word):
                raise lab.LabError("invalid kernel argument %r: one word without spaces" % word)


# How a UML kernel's --help lists its seccomp mode (6.16 and newer).
SECCOMP_HELP = "seccomp=<on/auto/off>"


def kernel_offers_seccomp(module, kernel):
    rc, out, dummy = module.run_command([kernel, "--help"])
    return rc == 0 and SECCOMP_HELP in out


def guest_argv(module, guest):
    params = module.params
    argv = [
        module.get_bin_path("ip", required=True), "netns", "exec", params["lab_name"],
        params["kernel"],
        "umid=%s" % guest.umid,
        "mem=%s" % params["memory"],
        "ubd0=%s,%s" % (guest.cow, params["image"]),
    ]
    for index, disk in enumerate(guest.disks, start=1):
        argv.append("ubd%d=%s" % (index, disk["path"]))
    argv += [
        "root=/dev/ubda", "rw", "fsck.mode=skip",
        # The console goes to the log; no other consoles or serial lines.
        "con=null", "con0=fd:0,fd:1", "ssl=null",
        # gro=1: without it, large TCP frames stall between guests (see the lab notes).
        "vec0:transport=tap,ifname=%s,depth=128,gro=1" % params["tap"],
    ]
    if params["second_tap"] is not None:
        argv.append("vec1:transport=tap,ifname=%s,depth=128,gro=1" % params["second_tap"])
    argv += ["lab.host=%s" % params["name"], "lab.ip=%s" % params["address"]]
    if params["second_tap"] is not None:
        argv.append("lab.ip2=%s" % params["second_address"])
    if params["hosts"]:
        argv.append("lab.hosts=%s" % ",".join("%s:%s" % item for item in sorted(params["hosts"].items())))
    if params["seccomp"] and kernel_offers_seccomp(module, params["kernel"]):
        argv.append("seccomp=on")
    return argv + params["kernel_args"]


def prepare_files(module, guest):
    params = module.params
    for folder in (os.path.dirname(guest.console_log), os.path.dirname(guest.pid_file)):
        if not os.path.isdir(folder):
            os.makedirs(folder)
    # A copy-on-write file only fits the image it was made over: start over for a new image.
    image = os.path.realpath(params["image"])
    recorded = None
    if os.path.exists(guest.cow_backing):
        with open(guest.cow_backing) as handle:
            recorded = handle.read().strip()
    if os.path.exists(guest.cow) and recorded != image:
        module.warn("%s: discarding %s, made over another image" % (guest.name, guest.cow))
        os.remove(guest.cow)
    with open(guest.cow_backing, "w") as handle:
        handle.write(image + "\n")
    for disk in guest.disks:
        if not os.path.exists(disk["path"]):
            with open(disk["path"], "wb") as handle:
                handle.truncate(int(disk["size"][:-1]) * _UNITS[disk["size"][-1]])
    # A guest killed earlier leaves its ~/.uml/<umid> behind; UML refuses to reuse a live one.
    if os.path.isdir(guest.uml_dir):
        shutil.rmtree(guest.uml_dir)


def start(module, guest):
    params = module.params
    if not os.path.isfile(params["image"]):
        raise lab.LabError("%s: image %s does not exist" % (guest.name, params["image"]))
    if not os.access(params["kernel"], os.X_OK):
        raise lab.LabError("%s: UML kernel %s is not executable" % (guest.name, params["kernel"]))
    if not lab.netns_exists(params["lab_name"]):
        raise lab.LabError("%s: network namespace %s does not exist" % (guest.name, params["lab_name"]))
    ip = lab.ip_runner(module)
    for tap in [params["tap"]] + ([params["second_tap"]] if params["second_tap"] is not None else []):
        rc, dummy, dummy = ip.run("netns words", check=False, netns=params["lab_name"], words=["link", "show", tap])
        if rc != 0:
            raise lab.LabError("%s: tap %s does not exist in namespace %s" % (guest.name, tap, params["lab_name"]))
    prepare_files(module, guest)
    argv = guest_argv(module, guest)
    process = lab.spawn_detached(argv, guest.console_log, os.path.dirname(guest.pid_file))
    with open(guest.pid_file, "w") as handle:
        handle.write("%d\n" % process.pid)
    return argv, process


def running_image(guest):
    """The image a running guest was started on (recorded beside its copy-on-write file)."""
    try:
        with open(guest.cow_backing) as handle:
            return handle.read().strip() or None
    except (IOError, OSError):
        return None


# What a UML kernel prints when it cannot run a guest program on this CPU (its buffer for the FPU
# state is smaller than the host's XSAVE area, as with Debian 12's kernel on CPUs with AMX).
FPU_STATE_REFUSED = "ptrace set fp regs failed"


def not_up(guest, address, why):
    if FPU_STATE_REFUSED in lab.tail(guest.console_log, lines=200):
        why += (" (the console says %r: this UML kernel cannot run guest programs on this CPU; "
                "scripts/setup.sh installs one that can, under /opt/novavolume-lab/uml)" % FPU_STATE_REFUSED)
    return dict(
        msg="lab host %s did not come up: %s; console log: %s" % (guest.name, why, guest.console_log),
        console_log=guest.console_log,
        console_tail=lab.tail(guest.console_log),
    )


def wait_for_ssh(module, guest, process, started_at):
    params = module.params
    address = params["address"].split("/")[0]
    deadline = started_at + params["timeout"]
    waited_from = time.time()
    lab.enter_netns(params["lab_name"])
    while True:
        if process is not None and process.poll() is not None:
            return None, not_up(guest, address, "its UML process exited with status %s" % process.returncode)
        if not guest.pids():
            return None, not_up(guest, address, "its UML process is gone")
        banner = lab.ssh_banner(address, params["ssh_port"])
        if banner:
            return {"waited": round(time.time() - waited_from, 1), "ssh_banner": banner}, None
        if time.time() > deadline:
            return None, not_up(
                guest, address, "no SSH answer on %s:%d within %d s" % (address, params["ssh_port"], params["timeout"])
            )
        time.sleep(0.5)


def leftovers(guest, purge):
    """Files and folders a stopped guest leaves behind (the console log is never one)."""
    found = [path for path in (guest.uml_dir, guest.pid_file) if os.path.exists(path)]
    if purge:
        candidates = [guest.cow, guest.cow_backing] + sorted(glob.glob(guest.disk_pattern))
        found += [path for path in candidates if os.path.exists(path)]
    return found


def stop(guest, paths):
    pids = guest.pids()
    stayed = lab.kill_pids(pids)
    if stayed:
        raise lab.LabError("%s: processes %s survived SIGKILL" % (guest.name, stayed))
    for path in paths:
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            lab_name=dict(type="str", default="novalab"),
            state=dict(type="str", choices=["started", "stopped"], default="started"),
            state_dir=dict(type="path", required=True),
            image=dict(type="path"),
            address=dict(type="str"),
            tap=dict(type="str"),
            second_tap=dict(type="str"),
            second_address=dict(type="str"),
            memory=dict(type="str", default="512M"),
            disks=dict(type="list", elements="str", default=[]),
            hosts=dict(type="dict", default={}),
            kernel=dict(type="path", default="/usr/bin/linux.uml"),
            kernel_args=dict(type="list", elements="str", default=[]),
            seccomp=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            timeout=dict(type="int", default=180),
            ssh_port=dict(type="int", default=22),
            purge=dict(type="bool", default=False),
        ),
        required_if=[("state", "started", ["image", "address", "tap"])],
        required_together=[("second_tap", "second_address")],
        supports_check_mode=True,
    )
    try:
        validate(module)
    except (lab.LabError, validation.ValidationError) as exc:
        module.fail_json(msg=str(exc))

    guest = Guest(module.params)
    result = dict(
        changed=False,
        umid=guest.umid,
        console_log=guest.console_log,
        pid=None,
        disks=[{"path": disk["path"], "device": disk["device"]} for disk in guest.disks],
    )
    pids = guest.pids()
    before = {"state": "running" if pids else "stopped"}
    try:
        if module.params["state"] == "stopped":
            paths = leftovers(guest, module.params["purge"])
            result["removed"] = [path for path in paths if path != guest.uml_dir and path != guest.pid_file]
            if pids or paths:
                result["changed"] = True
                if not module.check_mode:
                    stop(guest, paths)
        else:
            process = None
            started_at = time.time()
            if pids:
                result["pid"] = pids[0]
                result["image"] = running_image(guest)
                if result["image"] and result["image"] != os.path.realpath(module.params["image"]):
                    module.warn(
                        "%s runs on image %s, not %s: take the lab down and up again to use the new image"
                        % (guest.name, result["image"], module.params["image"])
                    )
            else:
                result["changed"] = True
                if module.check_mode:
                    module.exit_json(diff={"before": before, "after": {"state": "running"}}, **result)
                result["command"], process = start(module, guest)
                result["pid"] = process.pid
                result["image"] = os.path.realpath(module.params["image"])
            if module.params["wait"]:
                answer, failure = wait_for_ssh(module, guest, process, started_at)
                if failure:
                    module.fail_json(**dict(result, **failure))
                result.update(answer)
    except lab.LabError as exc:
        module.fail_json(msg=str(exc), **result)
    except (IOError, OSError) as exc:
        module.fail_json(msg="%s: %s" % (guest.name, exc), **result)
    if result["changed"]:
        result["diff"] = {"before": before, "after": {"state": "running" if module.params["state"] == "started" else "stopped"}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
