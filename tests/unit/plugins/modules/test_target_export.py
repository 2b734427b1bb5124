"""target_export with the tgt backend, from the table in test_target_export.yaml."""

import pathlib
from unittest import mock

import pytest

from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.targets import base
from ansible_collections.novavolume.lvm_iscsi.plugins.modules import target_export
from ansible_collections.novavolume.lvm_iscsi.tests.unit.harness import check_case, load_cases

HERE = pathlib.Path(__file__).parent
NEW_CREDENTIALS = ("nv-myvolume-5e6f7a8b", "Hn3bC6dF1gJ5kM8s")
NEW_MUTUAL_CREDENTIALS = ("nvt-myvolume-9c8d7e6f", "Wm4nQ7rS2tV5xY8zA3bC6dE9fG1hJ4kL")


class FakeFiles:
    """In-memory stand-in for targets.base.LocalFiles: {path: [text, mode]}."""

    def __init__(self, files=None):
        self.files = dict((path, list(entry)) for path, entry in (files or {}).items())

    def read(self, path):
        return self.files[path][0] if path in self.files else None

    def write_private(self, path, text):
        self.files[path] = [text, 0o600]

    def remove(self, path):
        self.files.pop(path, None)

    def makedirs(self, directory):
        pass

    def chmod_private(self, path):
        self.files[path][1] = 0o600

    def mode(self, path):
        return self.files[path][1] if path in self.files else None


def run_case(case, extra_patches=()):
    files = FakeFiles(case.get("files"))
    with mock.patch.object(base, "LocalFiles", lambda: files), mock.patch.object(
        target_export, "new_chap_credentials", lambda volume, prefix="nv": NEW_CREDENTIALS if prefix == "nv" else NEW_MUTUAL_CREDENTIALS
    ):
        for patch in extra_patches:
            patch.start()
        try:
            result = check_case(target_export, case)
        finally:
            for patch in extra_patches:
                patch.stop()
    if "files_after" in case:
        assert files.files == case["files_after"]
    return result


@pytest.mark.parametrize("case", load_cases(HERE / "test_target_export.yaml"))
def test_target_export_tgt(case):
    result = run_case(case)
    if result.get("failed"):
        # A failure never carries the secret: neither in its fields nor in a failed command's argv.
        shown = dict((key, value) for key, value in result.items() if key != "_commands_ran")
        assert NEW_CREDENTIALS[1] not in repr(shown) and NEW_MUTUAL_CREDENTIALS[1] not in repr(shown)
