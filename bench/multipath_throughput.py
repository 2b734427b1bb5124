#!/usr/bin/env python3
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throughput of an attached volume over one path and over two (dm-multipath), against the LV.

The same fio workloads (sequential write and read in 1 MiB blocks, random write and read in
16 KiB blocks; direct I/O, libaio, queue depth 8) run on
  local      the volume's LV on the controller (no iSCSI: the baseline);
  single     the disk compute1 gets from playbooks/volume_attach.yml over the first storage network;
  multipath  the dm-multipath map compute1 gets from volume_attach.yml -e multipath=true over both;
and each is printed in MB/s with the ratios iSCSI/local and multipath/single. The lab's raw TCP
throughput on each storage network (64 MiB from compute1 to the controller in 1 MiB writes) is
printed beside them: the ceiling any iSCSI figure has on this lab.

The lab needs its second storage network (NOVALAB_SECOND_NETWORK=true when it is brought up) and
site.yml applied; the bench turns on the portal on both addresses and compute1's dm-multipath (the
roles' iscsi_target_portal_addresses and iscsi_initiator_multipath, through site.yml), creates its
own volume and deletes it at the end.

    NOVALAB_NAME=bench .venv/bin/python bench/multipath_throughput.py [--rounds 1]

scripts/bench.sh multipath_throughput brings lab "bench" up that way and runs it.
"""

import argparse
import json
import os
import statistics

from common import BIN, inventory_args, lab_env, load, run

WORKLOADS = (
    ("sequential write", "write", "1M"),
    ("sequential read", "read", "1M"),
    ("random write", "randwrite", "16k"),
    ("random read", "randread", "16k"),
)
SIZE = "64M"
NETWORK_PORT = 5201
NETWORK_MIB = 64


def first_json(output):
    """The JSON document an ad-hoc `ansible HOST -m command` printed after its status line."""
    return json.loads(output[output.index("{"):])


def fio(ansible, inventory, env, host, device, rw, block_size):
    """Bytes per second of one fio workload on `device` of `host`."""
    argv = ["fio", "--name=bench", "--filename=%s" % device, "--rw=%s" % rw, "--bs=%s" % block_size, "--size=%s" % SIZE,
            "--direct=1", "--ioengine=libaio", "--iodepth=8", "--output-format=json"]
    _took, output = run([ansible] + inventory + [host, "-m", "ansible.builtin.command", "-a", " ".join(argv)], env)
    job = first_json(output)["jobs"][0]
    return job["read" if "read" in rw else "write"]["bw_bytes"]


def shell(ansible, inventory, env, host, command, executable="/bin/sh"):
    args = json.dumps(dict(cmd=command, executable=executable))
    return run([ansible] + inventory + [host, "-m", "ansible.builtin.shell", "-a", args], env)[1]


# A listener that reads 1 MiB at a time (netcat's small reads cost more than the network in a
# UML guest), for one connection.
LISTENER = ("import shutil, socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
            "s.bind(('', %d)); s.listen(1); c = s.accept()[0]; "
            "shutil.copyfileobj(c.makefile('rb'), open('/dev/null', 'wb'), 1 << 20)")


def network_rate(ansible, inventory, env, address):
    """Bytes per second of 64 MiB sent in 1 MiB writes from compute1 to the controller's `address`."""
    shell(ansible, inventory, env, "controller",
          "nohup timeout 120 python3 -c \"%s\" >/dev/null 2>&1 </dev/null &" % (LISTENER % NETWORK_PORT))
    output = shell(ansible, inventory, env, "compute1",
                   "start=$(date +%%s.%%N); dd if=/dev/zero bs=1M count=%d status=none >/dev/tcp/%s/%d || exit 1;"
                   " echo \"$start $(date +%%s.%%N)\"" % (NETWORK_MIB, address, NETWORK_PORT), executable="/bin/bash")
    started, ended = (float(word) for word in output.strip().splitlines()[-1].split())
    return NETWORK_MIB * 1024 * 1024 / (ended - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("NOVALAB_NAME", "novalab"))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--volume", default="benchpaths")
    args = parser.parse_args()

    env = lab_env(args.lab)
    inventory = inventory_args(args.lab)
    ansible, playbook = (os.path.join(BIN, name) for name in ("ansible", "ansible-playbook"))
    print("lab %s, %d rounds, fio %s per workload, load average before: %s" % (args.lab, args.rounds, SIZE, load()), flush=True)

    # The portal on both storage addresses, and compute1's dm-multipath.
    portals = ["-e", json.dumps(dict(iscsi_target_portal_addresses=["{{ storage_address }}", "{{ lab_second_address }}"]))]
    run([playbook] + inventory + ["playbooks/site.yml", "--limit", "controller,compute1", "-e",
                                  "iscsi_initiator_multipath=true"] + portals, env)
    run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a", "name=%s size=256M" % args.volume], env)
    addresses = shell(ansible, inventory, env, "controller", "echo {{ storage_address }} {{ lab_second_address }}")
    addresses = addresses.strip().splitlines()[-1].split()
    target = "iqn.2010-10.org.openstack:%s" % args.volume
    attach = [playbook] + inventory + ["playbooks/volume_attach.yml", "-e", "volume=%s" % args.volume,
                                       "-e", "instance=compute1", "-e", "mountpoint=/dev/vdb"]
    detach = [playbook] + inventory + ["playbooks/volume_detach.yml", "-e", "volume=%s" % args.volume,
                                       "-e", "instance=compute1"]
    figures = dict((name, dict(local=[], single=[], multipath=[])) for name, _rw, _bs in WORKLOADS)
    net = dict((address, []) for address in addresses)
    try:
        for _round in range(args.rounds):
            for address in addresses:
                net[address].append(network_rate(ansible, inventory, env, address))
            for name, rw, block_size in WORKLOADS:
                figures[name]["local"].append(
                    fio(ansible, inventory, env, "controller", "/dev/nova-volumes/%s" % args.volume, rw, block_size))
            run(attach, env)
            disk = shell(ansible, inventory, env, "compute1",
                         "readlink -f /dev/disk/by-path/ip-%s:3260-iscsi-%s-lun-0" % (addresses[0], target)).strip().splitlines()[-1]
            for name, rw, block_size in WORKLOADS:
                figures[name]["single"].append(fio(ansible, inventory, env, "compute1", disk, rw, block_size))
            run(detach, env)
            run(attach + ["-e", "multipath=true"] + portals, env)
            mapped = shell(ansible, inventory, env, "compute1", "multipathd show maps raw format '%n'").strip().splitlines()[-1]
            for name, rw, block_size in WORKLOADS:
                figures[name]["multipath"].append(fio(ansible, inventory, env, "compute1", "/dev/mapper/%s" % mapped.strip(),
                                                      rw, block_size))
            run(detach + ["-e", "multipath=true"] + portals, env)
    finally:
        run([ansible] + inventory + ["controller", "-m", "novavolume.lvm_iscsi.volume", "-a",
                                     "name=%s state=absent force=true" % args.volume], env)

    print("\nraw TCP, compute1 -> controller, 64 MiB in 1 MiB writes:")
    for address in addresses:
        print("  %-16s %8.1f MB/s" % (address, statistics.median(net[address]) / 1e6))
    print("\n%-17s %10s %10s %10s %13s %16s" % ("workload (MB/s)", "local", "single", "multipath", "iSCSI/local",
                                                "multipath/single"))
    for name, _rw, _bs in WORKLOADS:
        local, single, multi = (statistics.median(figures[name][kind]) for kind in ("local", "single", "multipath"))
        print("%-17s %10.1f %10.1f %10.1f %12.2fx %15.2fx" % (name, local / 1e6, single / 1e6, multi / 1e6,
                                                                single / local, multi / single))
    print("load average after: %s" % load())


if __name__ == "__main__":
    main()
