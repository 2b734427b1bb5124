"""The fake target backend itself: what it answers, it answers with the real backend's arguments."""

import inspect

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import base
from ansible_collections.novavolume.lvm_iscsi.tests.unit.fake_target_backend import FakeTargetBackend


def test_the_fake_takes_the_real_backends_arguments():
    faked = [name for name, member in vars(FakeTargetBackend).items() if inspect.isfunction(member) and not name.startswith("_")]
    assert faked, "the fake answers nothing"
    for name in faked:
        assert inspect.signature(getattr(FakeTargetBackend, name)) == inspect.signature(getattr(base.TargetBackend, name)), name
