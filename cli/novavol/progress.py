"""Progress while a run goes: one line per task and host as ansible-runner's events arrive.

On a terminal a spinner shows the task in flight and finished results scroll above it; when the
output is not a terminal (CI logs) only the plain result lines are written. `-v` writes Ansible's
own output instead. Progress goes to stderr so stdout carries only the table or the JSON.
"""

import threading

from novavol.events import RESULT_EVENTS, HostResult, copy_progress
from novavol.render import human_bytes

SPINNER = "|/-\\"


class Progress:
    """Modes: 'spinner' (terminal), 'plain' (logs), 'verbose' (Ansible's output), 'quiet'."""

    def __init__(self, stream, mode):
        self.stream = stream
        self.mode = mode
        self._lock = threading.Lock()
        self._frame = 0
        self._current = ""
        self._figure = ""
        self._spinner_shown = False
        # A copy's progress in plain mode: a line each tenth of the way, not each poll.
        self._tenths_shown = {}

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
                self._figure = ""
        elif kind == "runner_retry":
            # A poll that goes on (playbooks/volume_clone.yml's copy progress).
            data = event.get("event_data", {})
            figures = copy_progress(data.get("res") or {})
            if figures is not None:
                self._show_copy(data.get("host") or "?", figures)
        elif kind in RESULT_EVENTS:
            result = HostResult(event)
            label = "ignored" if result.ignored and result.status == "failed" else result.status
            line = "  %-11s %-14s %s" % (label, result.host, result.task)
            if result.is_failure:
                line += ": " + result.message()
            self._write_line(line)
            figures = copy_progress(result.res) if not result.is_failure else None
            if figures is not None:
                self._show_copy(result.host, figures)

    def _show_copy(self, host, figures):
        """A copy's figures: in the spinner's line on a terminal; in plain mode, as a line when
        the copy has gone another tenth of the way, and once it is done."""
        text = copy_text(figures)
        if self.mode == "spinner":
            with self._lock:
                self._figure = text
            if figures["copied"] < figures["total"]:
                return
        tenths = int(10 * figures["copied"] // max(figures["total"], 1))
        if self._tenths_shown.get(host) == tenths:
            return
        self._tenths_shown[host] = tenths
        self._write_line("  %-11s %-14s %s" % ("copied" if figures["copied"] >= figures["total"] else "copying", host, text))

    def tick(self):
        """Advance the spinner; called by the main thread while the run is going."""
        if self.mode != "spinner":
            return
        with self._lock:
            self._frame = (self._frame + 1) % len(SPINNER)
            text = "%s %s" % (SPINNER[self._frame], self._current or "starting ansible")
            if self._figure:
                text += ": " + self._figure
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


def copy_text(figures):
    """45% (460.8 MiB of 1.0 GiB), 92.2 MiB/s, as dd status=progress or pv show a copy; once
    done, the time it took too."""
    copied, total, seconds = figures["copied"], figures["total"], figures["seconds"]
    text = "%d%% (%s of %s)" % (100 * copied // max(total, 1), human_bytes(copied), human_bytes(total))
    if copied >= total:
        text += " in %.1f s" % seconds
    if seconds > 0 and copied:
        text += ", %s/s" % human_bytes(copied / seconds)
    return text


def choose_mode(stream, verbosity, quiet):
    if quiet:
        return "quiet"
    if verbosity:
        return "verbose"
    isatty = getattr(stream, "isatty", None)
    return "spinner" if isatty and isatty() else "plain"
