"""Make the collection importable (the checks reuse module_utils/validation.py's IQN rule)."""

import os
import pathlib
import sys

PROJECT = pathlib.Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", pathlib.Path(__file__).resolve().parents[3]))
COLLECTIONS = str(PROJECT / "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
