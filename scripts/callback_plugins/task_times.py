# -*- coding: utf-8 -*-
# A callback for the lab jobs (scripts/lab_job.sh enables it): it appends one line per task to
# $NOVAVOLUME_TASK_TIMES, so that a job's slowest steps can be read after the run without
# re-running it under a profiler. A scenario runs playbooks from inside its own tasks
# (molecule/shared/tasks/run_playbook.yml); each line carries the depth of its ansible-playbook
# so that a nested run's tasks are not counted twice with the task that ran them.
# Columns (tab separated): depth, playbook, task, seconds (first host's start to last host's end).
from __future__ import annotations

import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: append each task's seconds to the file named by NOVAVOLUME_TASK_TIMES
description:
  - Used by the repository's lab jobs to say where a scenario spends its time.
requirements:
  - NOVAVOLUME_TASK_TIMES set to a file path (nothing is written otherwise)
"""

DEPTH_VARIABLE = "NOVAVOLUME_TASK_TIMES_DEPTH"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("NOVAVOLUME_TASK_TIMES")
        # Children of this run (ansible-playbook started by one of its tasks) inherit the
        # environment, so they see one level more.
        self._depth = int(os.environ.get(DEPTH_VARIABLE, "0"))
        os.environ[DEPTH_VARIABLE] = str(self._depth + 1)
        self._playbook = "-"
        self._task = None
        self._started = 0.0

    def v2_playbook_on_start(self, playbook):
        self._playbook = os.path.relpath(playbook._file_name, os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.getcwd()))

    def _close_task(self):
        if self._task is None or not self._path:
            return
        name = " ".join(self._task.split())
        with open(self._path, "a", encoding="utf-8") as times:
            times.write("%d\t%s\t%s\t%.2f\n" % (self._depth, self._playbook, name, time.time() - self._started))
        self._task = None

    def _open_task(self, name):
        self._close_task()
        self._task = name
        self._started = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._open_task(task.get_name())

    def v2_playbook_on_handler_task_start(self, task):
        self._open_task("handler: " + task.get_name())

    def v2_playbook_on_play_start(self, play):
        self._close_task()

    def v2_playbook_on_stats(self, stats):
        self._close_task()
