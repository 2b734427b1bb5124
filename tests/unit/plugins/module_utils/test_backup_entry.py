"""The nightly script of roles/volume_backup: it runs module_utils/backup.py with a small
stand-in for AnsibleModule, prints the report, mails it when asked, and exits 1 on failure."""

import importlib.util
import json
import pathlib
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[4] / "roles" / "volume_backup" / "files" / "novavolume_backup.py"


@pytest.fixture
def entry(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no __pycache__ inside the role
    spec = importlib.util.spec_from_file_location("novavolume_backup_entry", str(SCRIPT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_config(tmp_path, **extra):
    config = dict(destination=str(tmp_path / "dest"), retention_days=7, work_dir=str(tmp_path / "work"), **extra)
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_runner_runs_argv_with_c_locale(entry):
    rc, out, _err = entry.Runner().run_command(["sh", "-c", "echo $LANG"], environ_update={"LANG": "C"})
    assert (rc, out) == (0, "C\n")
    assert entry.Runner().run_command(["cat"], data="piped")[1] == "piped"


def test_missing_vg_fails_with_report_and_mail(entry, tmp_path, monkeypatch, capsys):
    ran, mailed = [], []

    def run_command(self, args, data=None, environ_update=None, check_rc=False, handle_exceptions=False):
        ran.append(args)
        return 5, "", '  Volume group "nova-volumes" not found\n'

    monkeypatch.setattr(entry.Runner, "run_command", run_command)
    monkeypatch.setattr(entry.Runner, "get_bin_path", lambda self, name, required=False, opt_dirs=None: "/sbin/" + name)
    monkeypatch.setattr(entry, "mail", lambda config, subject, text: mailed.append((config["mail_to"], subject, text)))
    assert entry.main(["novavolume-backup", write_config(tmp_path, mail_to="ops@example.org")]) == 1
    assert ran[0][0] == "/sbin/vgs"
    captured = capsys.readouterr()
    assert "volume group nova-volumes does not exist" in captured.out + captured.err
    assert mailed and mailed[0][0] == "ops@example.org" and "FAILED" in mailed[0][1]


def test_no_volumes_is_a_clean_run_with_a_report_file(entry, tmp_path, monkeypatch):
    vgs = '{"report":[{"vg":[{"vg_name":"nova-volumes","vg_size":"100","vg_free":"100","vg_extent_size":"4194304"}]}]}'
    answers = {"vgs": (0, vgs, ""), "lvs": (0, '{"report":[{"lv":[]}]}', "")}
    monkeypatch.setattr(entry.Runner, "run_command",
                        lambda self, args, data=None, environ_update=None, check_rc=False, handle_exceptions=False:
                        answers[args[0].rsplit("/", 1)[1]])
    monkeypatch.setattr(entry.Runner, "get_bin_path", lambda self, name, required=False, opt_dirs=None: "/sbin/" + name)
    (tmp_path / "dest").mkdir()
    assert entry.main(["novavolume-backup", write_config(tmp_path)]) == 0
    report = (tmp_path / "dest" / "backup-report.txt").read_text()
    assert "Retention: 7 days" in report and "Total time:" in report


def test_bad_config_is_refused(entry, tmp_path, capsys):
    assert entry.main(["novavolume-backup", write_config(tmp_path, keep_min=0)]) == 1
    assert "keep_min must be at least 1" in capsys.readouterr().err
