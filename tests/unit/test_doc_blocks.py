"""Every module's and doc fragment's DOCUMENTATION, EXAMPLES and RETURN is valid YAML.

A quick check for `make unit`: a ': ' or a line ending in ':' inside plain YAML text breaks
ansible-doc, the sanity tests and the build tests, which take minutes to say so."""

import ast
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = sorted(ROOT.glob("plugins/modules/*.py")) + sorted(ROOT.glob("plugins/doc_fragments/*.py")) + \
    sorted(ROOT.glob("lab/plugins/modules/*.py"))
BLOCKS = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def doc_blocks(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in BLOCKS:
            yield node.targets[0].id, node.value.value


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_doc_blocks_parse(path):
    blocks = list(doc_blocks(path))
    assert blocks, "%s has no documentation block" % path
    for name, text in blocks:
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as error:
            pytest.fail("%s %s is not valid YAML: %s" % (path.relative_to(ROOT), name, error))
