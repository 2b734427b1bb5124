"""Progress while a run goes: one line per task and host as ansible-runner's events arrive.

On a terminal a spinner shows the task in flight and finished results scroll above it; when the
output is not a terminal (CI logs) only the plain result lines are written. `-v` writes Ansible's
own output instead. Progress goes to stderr so stdout carries only the table or the JSON.
"""

import threading

from novavol.events import RESULT_EVENTS, HostResult

SPINNER = "|/-\\"


class Progress:
    """Modes: 'spinner' (terminal), 'plain' (logs), 'verbose' (Ansible's output), 'quiet'."""

    def __init__(self, stream, mode):
        self.stream = stream
        self.mode = mode
        self._lock = threading.Lock()
        self._frame = 0
        self._current = ""
        self._spinner_shown = False

    def start(self, title):
        if self.mode in ("spinner", "plain"):
            self._write_line("-> %s" % title)

    def on_event(self, event):
        """ansible-runner's event_handler; called from the runner's thread."""
        kind = event.get("event")
        if self.mode == "verbose":
            text = event.get("stdout")
            if text:
                with self._lock:
                    self.stream.write(text + "\n")
                    self.stream.flush()
            return
        if self.mode == "quiet":
            return
        if kind == "playbook_on_task_start":
            with self._lock:
                self._current = (event.get("event_data", {}).get("task") or "").strip()
        elif kind in RESULT_EVENTS:
            result = HostResult(event)
            label = "ignored" if result.ignored and result.status == "failed" else result.status
            line = "  %-11s %-14s %s" % (label, result.host, result.task)
            if result.is_failure:
                line += ": " + result.message()
            self._write_line(line)

    def tick(self):
        """Advance the spinner; called by the main thread while the run is going."""
        if self.mode != "spinner":
            return
        with self._lock:
            self._frame = (self._frame + 1) % len(SPINNER)
            text = "%s %s" % (SPINNER[self._frame], self._current or "starting ansible")
            self.stream.write("\r\033[K" + text[:120])
            self.stream.flush()
            self._spinner_shown = True

    def finish(self):
        if self.mode == "spinner":
            with self._lock:
                if self._spinner_shown:
                    self.stream.write("\r\033[K")
                    self.stream.flush()
                    self._spinner_shown = False

    def _write_line(self, line):
        with self._lock:
            if self._spinner_shown:
                self.stream.write("\r\033[K")
                self._spinner_shown = False
            self.stream.write(line + "\n")
            self.stream.flush()


def choose_mode(stream, verbosity, quiet):
    if quiet:
        return "quiet"
    if verbosity:
        return "verbose"
    isatty = getattr(stream, "isatty", None)
    return "spinner" if isatty and isatty() else "plain"
