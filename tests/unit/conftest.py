"""Make the collection importable as ansible_collections.novavolume.lvm_iscsi from a clean clone.

collections/ansible_collections/novavolume/lvm_iscsi links back to the repository root, so
putting collections/ on sys.path is all it takes.
"""

import pathlib
import sys

COLLECTIONS = pathlib.Path(__file__).resolve().parents[2] / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def private_lock_dir(tmp_path, monkeypatch):
    """Modules take their locks in a folder of the test's own, never in the host's /run/lock."""
    from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import locks

    monkeypatch.setattr(locks, "LOCK_DIR", str(tmp_path / "locks"))
