# -*- coding: utf-8 -*-
# Copyright (c) 2026, novavolume maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nightly backup of every volume, run by novavolume-backup.service (roles/volume_backup).

The controller has no Ansible of its own, so this script runs the volume_backup module's code
directly: the role builds it, with the collection's module_utils it imports (backup.py and
the files it is split into, locks.py, lvm.py, runner.py, validation.py, volume_meta.py; the list
is the role's __volume_backup_utils), into one executable zip archive
(files/build_zipapp.py; this file is its __main__.py), and this script hands them a small
stand-in for AnsibleModule. Validation, snapshot handling, the archive pipeline, retention and
the report are the module's, unchanged.

Installed as /usr/local/sbin/novavolume-backup.
Usage: novavolume-backup [CONFIG]   (default /etc/novavolume/backup.json; keys = the module's
options, plus mail_to, mail_from, mail_host, mail_port). Exit status 1 when a volume failed.
"""

import json
import os
import shutil
import smtplib
import subprocess
import sys
from email.message import EmailMessage

# Imported from the zip archive this script runs as (sys.path[0]).
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils import backup_common
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.runner import CommandError
from ansible_collections.novavolume.lvm_iscsi.plugins.module_utils.validation import ValidationError

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])


class Runner:
    """The three things module_utils/backup.py asks of an AnsibleModule."""

    def run_command(self, args, data=None, environ_update=None, check_rc=False, handle_exceptions=False):
        # Exceptions (a stop signal's among them) always reach the caller here: handle_exceptions
        # is taken for AnsibleModule's signature only.
        env = dict(os.environ, **(environ_update or {}))
        done = subprocess.run(args, input=data, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                              universal_newlines=True)
        return done.returncode, done.stdout, done.stderr

    def get_bin_path(self, name, required=False, opt_dirs=None):
        path = shutil.which(name, path=SEARCH_PATH)
        if required and not path:
            raise backup_common.BackupError("%s is not installed" % name)
        return path

    def warn(self, text):
        print("WARNING: %s" % text, file=sys.stderr)


def mail(config, subject, text):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.get("mail_from") or "root@localhost"
    message["To"] = config["mail_to"]
    message.set_content(text)
    with smtplib.SMTP(config.get("mail_host") or "localhost", int(config.get("mail_port") or 25), timeout=30) as smtp:
        smtp.send_message(message)


def main(argv):
    path = argv[1] if len(argv) > 1 else "/etc/novavolume/backup.json"
    with open(path) as handle:
        config = json.load(handle)
    params = dict(volume=None, all=True, vg="nova-volumes", format="archive", repository=None, password_file=None,
                  snapshot_size=None, grow_snapshot_at=None,
                  compression="gzip", checksum="sha1", excludes=[], retention_days=None, keep_min=1,
                  keep_last=None, keep_daily=None, keep_weekly=None, keep_monthly=None,
                  report_file=None, work_dir="/run/novavolume-backup", hook_results={})
    params.update((key, value) for key, value in config.items() if key in params or key == "destination")
    try:
        options = backup.options_from_params(params)
        # systemctl stop (a stopped timer, a shutdown) sends SIGTERM: clean up, then report.
        with backup_common.stop_cleanly_on_signals():
            result, failures = backup.run_backups(Runner(), options)
    except (ValidationError, backup_common.BackupError, CommandError) as error:
        result, failures = dict(report_text="novavolume backup failed: %s\n" % error), [str(error)]
    sys.stdout.write(result["report_text"])
    for failure in failures:
        print("FAILED: %s" % failure, file=sys.stderr)
    if config.get("mail_to"):
        subject = "novavolume backup %s on %s" % ("FAILED" if failures else "ok", os.uname()[1])
        try:
            mail(config, subject, result["report_text"] + "".join("FAILED: %s\n" % f for f in failures))
        except (OSError, smtplib.SMTPException) as error:
            print("mailing the report failed: %s" % error, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
