"""Make both collections importable (ansible_collections.novavolume.lab and .lvm_iscsi, whose
command runner and test harness the lab uses) from a clean clone: collections/ holds links to both."""

import pathlib
import sys

COLLECTIONS = pathlib.Path(__file__).resolve().parents[3] / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
