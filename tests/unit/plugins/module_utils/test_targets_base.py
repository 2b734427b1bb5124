"""Shared backend logic: credentials, the diff view, load_backend."""

from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import targets
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import base
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import VOLUME_NAME


def test_new_credentials_are_fresh_and_safe_to_write_unquoted():
    first, second = base.new_chap_credentials("myvolume"), base.new_chap_credentials("myvolume")
    assert first != second
    user, secret = first
    assert user.startswith("nv-myvolume-") and VOLUME_NAME.match(user)
    assert len(secret) == base.SECRET_LENGTH and secret.isalnum()


def test_export_view_masks_the_secret():
    export = dict(iqn="iqn.x:y", device="/dev/vg/y", lun=0, acls=["b", "a"], chap_users={"a": "u"})
    assert base.export_view(export) == dict(
        iqn="iqn.x:y", device="/dev/vg/y", lun=0, acls=["a", "b"], chap_users={"a": "u"}, chap_secret="********"
    )
    assert base.export_view(None) == {}


def test_load_backend_refuses_an_unknown_kind():
    module = mock.Mock()
    module.fail_json.side_effect = SystemExit
    with pytest.raises(SystemExit):
        targets.load_backend(module, "scst")
    assert "unknown target backend 'scst'" in module.fail_json.call_args[1]["msg"]


def test_load_backend_tgt():
    assert targets.load_backend(mock.Mock(), "tgt").kind == "tgt"
