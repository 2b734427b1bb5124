"""What a run did, read from ansible-runner's job events.

Everything the CLI reports comes from these events (not from parsing Ansible's text output),
so the same code renders a live run and a recorded one: see tests/cli/fixtures/.
"""

import json

RESULT_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}


class HostResult:
    """One task's result on one host."""

    def __init__(self, event):
        data = event.get("event_data", {})
        self.host = data.get("host") or "?"
        self.task = (data.get("task") or data.get("task_action") or "").strip()
        self.action = data.get("resolved_action") or data.get("task_action") or ""
        self.res = data.get("res") or {}
        self.ignored = bool(data.get("ignore_errors"))
        # When the host's answer arrived (UTC, ISO 8601), as ansible-runner recorded it.
        self.end = data.get("end")
        status = RESULT_EVENTS[event["event"]]
        if status == "ok" and self.res.get("changed"):
            status = "changed"
        self.status = status

    @property
    def is_failure(self):
        return self.status == "unreachable" or (self.status == "failed" and not self.ignored)

    def message(self):
        """The module's own message for a failure, as short as Ansible lets it be."""
        return failure_message(self.res)


def copy_progress(res):
    """How far a copy is, from a task's result: the poll of playbooks/volume_clone.yml prints the
    progress file's JSON line, and the volume module returns a copied clone's figures as
    volume.copy. A dict with copied, total (bytes) and seconds; None when the result has none."""
    volume = res.get("volume")
    if isinstance(volume, dict) and _is_copy_figures(volume.get("copy")):
        return volume["copy"]
    for line in res.get("stdout_lines") or []:
        if line.strip().startswith("{"):
            try:
                figures = json.loads(line)
            except ValueError:
                continue
            if _is_copy_figures(figures):
                return figures
    return None


def _is_copy_figures(value):
    return isinstance(value, dict) and all(isinstance(value.get(key), (int, float)) for key in ("copied", "total", "seconds"))


def failure_message(res):
    if res.get("msg"):
        msg = str(res["msg"]).strip()
        # A loop fails with "One or more items failed"; the item's message says why.
        for item in res.get("results") or []:
            if isinstance(item, dict) and item.get("failed") and item.get("msg"):
                return str(item["msg"]).strip()
        return msg
    for key in ("stderr", "module_stderr", "stdout"):
        if res.get(key):
            return str(res[key]).strip().splitlines()[-1]
    if "rc" in res:
        return "command failed with rc %s" % res["rc"]
    return "failed"


def action_matches(action, module):
    """`novavolume.lvm_iscsi.volume_info` matches `volume_info`, and the FQCN itself."""
    return action == module or action.rsplit(".", 1)[-1] == module.rsplit(".", 1)[-1]


class RunResult:
    def __init__(self, events, status, rc, artifacts=None):
        self.events = list(events)
        self.status = status
        self.rc = rc
        self.artifacts = artifacts
        self.results = [HostResult(e) for e in self.events if e.get("event") in RESULT_EVENTS]

    @property
    def ok(self):
        return self.status == "successful" and self.rc == 0 and not self.failures()

    def failures(self):
        return [result for result in self.results if result.is_failure]

    def module_results(self, module):
        """Successful results of `module` (short name or FQCN), in the order they arrived."""
        return [r for r in self.results if r.status in ("ok", "changed") and action_matches(r.action, module)]

    def stats_data(self):
        """What the playbook recorded with set_stats (per_host: false), e.g. troubleshoot_ok."""
        for event in self.events:
            if event.get("event") == "playbook_on_stats":
                return event.get("event_data", {}).get("artifact_data") or {}
        return {}

    def reports(self):
        """The report lines playbooks print with debug tasks: [(host, [line, ...])]."""
        reports = []
        for result in self.results:
            if result.status != "ok" or not action_matches(result.action, "ansible.builtin.debug"):
                continue
            shown = result.res.get("msg")
            if shown is None:  # debug: var=NAME puts the value under NAME
                shown = next((v for k, v in result.res.items() if not k.startswith("_") and k != "changed"), None)
            if isinstance(shown, str):
                lines = shown.splitlines()
            elif isinstance(shown, list) and all(isinstance(line, str) for line in shown):
                lines = shown
            else:
                lines = json.dumps(shown, indent=2, sort_keys=True).splitlines()
            reports.append((result.host, lines))
        return reports

    def changed(self):
        return any(result.status == "changed" for result in self.results)

    def error_message(self):
        """One line for the user: which host and task failed, and the module's message."""
        # A no_log task's failure says nothing (Ansible hid it); the task that then stops the run
        # (a rescue's fail, as in the attach's export) repeats its message.
        failures = [failure for failure in self.failures() if not failure.res.get("censored")] or self.failures()
        if failures:
            first = failures[0]
            where = "%s: %s" % (first.host, first.task) if first.task else first.host
            text = "%s: %s" % (where, first.message())
            if first.status == "unreachable":
                text += " (is the lab up? try `novavol lab status`)"
            if len(failures) > 1:
                text += " (and %d more failure(s))" % (len(failures) - 1)
            return text
        if self.status == "timeout":
            return "the run timed out"
        if self.status == "canceled":
            return "the run was interrupted"
        # Ansible stopped before any task: a syntax error, a missing playbook or inventory.
        verbose = [e.get("stdout", "").strip() for e in self.events if e.get("event") in ("verbose", "error")]
        lines = [line for text in verbose for line in text.splitlines() if "ERROR" in line]
        if lines:
            return lines[0].strip()
        return "ansible exited with rc %s (status %s)" % (self.rc, self.status)
