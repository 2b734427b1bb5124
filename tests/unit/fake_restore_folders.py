"""Fakes shared by the tables of the modules that restore files into a folder beside a
destination (volume_restore with paths, files_unpack): the temporary folder gets a fixed name so
that the argv is known, and the command that fills it (restic restore, tar --extract) writes a
case step's `writes` there as the real one would."""

import os
import pathlib

from ansible_collections.novavolume.lvm_iscsi.tests.unit import harness


def files_under(folder):
    """{path relative to folder: content} of every file below it (nothing when it does not exist)."""
    return dict((str(path.relative_to(folder)), path.read_text()) for path in sorted(folder.rglob("*")) if path.is_file())


def fixed_temp_folder(monkeypatch, tempfile_module, parent, temp):
    """tempfile.mkdtemp of the module's own tempfile import -> `temp`, made beside the destination."""

    def mkdtemp(prefix, dir):  # noqa: A002 (tempfile's own argument name)
        assert prefix == ".novavolume-restore-" and dir == str(parent)
        temp.mkdir()
        return str(temp)

    monkeypatch.setattr(tempfile_module, "mkdtemp", mkdtemp)


def writes_of_steps(monkeypatch, folder_of, prefix):
    """Each table step's `writes` (paths) made, with content `prefix` and the file's name, below
    the folder that folder_of(argv) names, once the step's command has run."""
    original = harness.CommandTable.run_command

    def run_command(table, module, args, data=None, **kwargs):
        step = table.expected[0] if table.expected else {}
        answer = original(table, module, args, data=data, **kwargs)
        for name in step.get("writes") or []:
            target = pathlib.Path(folder_of(args)) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(prefix + os.path.basename(name))
        return answer

    monkeypatch.setattr(harness.CommandTable, "run_command", run_command)
