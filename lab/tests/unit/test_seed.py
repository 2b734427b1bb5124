"""roles/lab/files/seed.py: the prepared state's key and its restore into a lab's state folder.

Making a seed boots a lab; that part is shown by every molecule scenario that boots prepared
(molecule/shared/create.yml). Here: what goes into the key, which cached seed a new one boots
from, and what a restore copies."""

import argparse
import importlib.util
import json
import os
import pathlib
import time

import pytest

SEED_PY = pathlib.Path(__file__).resolve().parents[2] / "roles" / "lab" / "files" / "seed.py"
spec = importlib.util.spec_from_file_location("lab_seed", SEED_PY)
seed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(seed)


@pytest.fixture
def inputs(tmp_path):
    roles = tmp_path / "roles"
    (roles / "target" / "__pycache__").mkdir(parents=True)
    (roles / "target" / "main.yml").write_text("a: 1\n")
    (roles / "target" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    site = tmp_path / "site.yml"
    site.write_text("- hosts: all\n")
    return roles, site


def key_args(inputs, **changes):
    roles, site = inputs
    values = dict(image_dir="/cache/images/0123456789abcdef", name="site-lio", playbook=str(site), key_root="/",
                  playbook_arg=["--extra-vars=iscsi_target_backend=lio"], input=[str(roles), str(site)])
    values.update(changes)
    return argparse.Namespace(**values)


def test_key_is_stable(inputs):
    assert seed.content_key(key_args(inputs)) == seed.content_key(key_args(inputs))
    assert len(seed.content_key(key_args(inputs))) == 16


@pytest.mark.parametrize("change", [
    dict(image_dir="/cache/images/fedcba9876543210"),
    dict(name="site-tgt"),
    dict(playbook_arg=["--extra-vars=iscsi_target_backend=tgt"]),
])
def test_key_covers_image_name_and_arguments(inputs, change):
    assert seed.content_key(key_args(inputs, **change)) != seed.content_key(key_args(inputs))


def test_key_covers_the_content_of_every_input(inputs):
    before = seed.content_key(key_args(inputs))
    (inputs[0] / "target" / "main.yml").write_text("a: 2\n")
    assert seed.content_key(key_args(inputs)) != before


def test_key_covers_new_files_but_not_bytecode(inputs):
    before = seed.content_key(key_args(inputs))
    (inputs[0] / "target" / "__pycache__" / "y.cpython-311.pyc").write_bytes(b"\1")
    assert seed.content_key(key_args(inputs)) == before
    (inputs[0] / "target" / "defaults.yml").write_text("b: 1\n")
    assert seed.content_key(key_args(inputs)) != before


def test_key_is_the_same_in_another_checkout(inputs, tmp_path):
    roles, site = inputs
    before = seed.content_key(key_args(inputs, key_root=str(tmp_path), playbook_arg=["--inventory=%s/inv" % tmp_path]))
    clone = tmp_path / "clone"
    (clone / "roles" / "target").mkdir(parents=True)
    (clone / "roles" / "target" / "main.yml").write_text("a: 1\n")
    (clone / "site.yml").write_text("- hosts: all\n")
    moved = key_args((clone / "roles", clone / "site.yml"), key_root=str(clone), playbook_arg=["--inventory=%s/inv" % clone])
    assert seed.content_key(moved) == before


def test_missing_input_is_refused(inputs, tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        seed.content_key(key_args(inputs, input=[str(tmp_path / "nope")]))


@pytest.fixture
def made_seed(tmp_path):
    folder = tmp_path / "seed"
    folder.mkdir()
    hosts = {"controller1": ["controller1.cow", "controller1.cow.backing", "controller1-ubdb.img"],
             "compute1": ["compute1.cow", "compute1.cow.backing"]}
    for names in hosts.values():
        for name in names:
            (folder / name).write_text("seeded " + name)
    (folder / seed.COMPLETE).write_text(json.dumps({"hosts": hosts}))
    return folder


def test_restore_copies_each_hosts_disks_and_image_record(made_seed, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    args = argparse.Namespace(seed=str(made_seed), state_dir=str(state), host=["controller1", "compute1"])
    assert seed.restore(args) == {"restored": ["controller1", "compute1"]}
    assert sorted(p.name for p in state.iterdir()) == [
        "compute1.cow", "compute1.cow.backing", "controller1-ubdb.img", "controller1.cow", "controller1.cow.backing"]
    assert (state / "controller1-ubdb.img").read_text() == "seeded controller1-ubdb.img"


def test_restore_keeps_a_hosts_own_disks(made_seed, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "controller1.cow").write_text("its own")
    args = argparse.Namespace(seed=str(made_seed), state_dir=str(state), host=["controller1", "compute1"])
    assert seed.restore(args) == {"restored": ["compute1"]}
    assert (state / "controller1.cow").read_text() == "its own"
    assert not (state / "controller1-ubdb.img").exists()


def test_restore_refuses_a_host_the_seed_lacks(made_seed, tmp_path):
    args = argparse.Namespace(seed=str(made_seed), state_dir=str(tmp_path), host=["compute2"])
    with pytest.raises(SystemExit, match="no disks of host compute2"):
        seed.restore(args)


def cached_seed(cache, key, image, derived_from=None, age_days=0):
    folder = cache / ("site-lio-" + key)
    folder.mkdir(parents=True)
    (folder / "controller1.cow").write_text("layer")
    (folder / "controller1.cow.backing").write_text(image + "\n")
    complete = folder / seed.COMPLETE
    complete.write_text(json.dumps({"key": key, "hosts": {"controller1": ["controller1.cow", "controller1.cow.backing"]},
                                    "derived_from": derived_from}))
    stamp = time.time() - age_days * 86400
    os.utime(complete, (stamp, stamp))
    return folder


def base_args(cache, image_dir="/cache/images/0123456789abcdef"):
    return argparse.Namespace(cache=str(cache), image_dir=image_dir, name="site-lio")


def test_the_base_is_the_newest_bare_made_seed_over_the_same_image(tmp_path):
    image = "/cache/images/0123456789abcdef/root.img"
    cached_seed(tmp_path, "older", image, age_days=2)
    newest = cached_seed(tmp_path, "newest", image, age_days=1)
    cached_seed(tmp_path, "derived", image, derived_from="site-lio-newest")
    cached_seed(tmp_path, "other-image", "/cache/images/fedcba9876543210/root.img")
    assert seed.find_base(base_args(tmp_path)) == str(newest)


def test_no_base_when_every_seed_is_derived_stale_or_over_another_image(tmp_path):
    image = "/cache/images/0123456789abcdef/root.img"
    cached_seed(tmp_path, "derived", image, derived_from="site-lio-gone")
    cached_seed(tmp_path, "stale", image, age_days=seed.BASE_MAX_AGE_DAYS + 1)
    cached_seed(tmp_path, "other-image", "/cache/images/fedcba9876543210/root.img")
    assert seed.find_base(base_args(tmp_path)) is None
