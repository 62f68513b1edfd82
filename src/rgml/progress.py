"""Progress reports for long steps: a live bar on a terminal, periodic lines in a log."""

from __future__ import annotations

import sys
import time


class Progress:
    """Report ``done / total`` for a named task.

    On a terminal the line is redrawn in place; otherwise (a Snakemake log
    file) a line is written at most every ``interval`` seconds and at the
    end, so logs stay short but show that the job is alive.
    """

    def __init__(self, label: str, total: int, *, stream=None, interval: float = 15.0):
        self.label = label
        self.total = max(1, int(total))
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.start = time.monotonic()
        self._last = -float("inf")
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(1, int(total))
        now = time.monotonic()
        finished = done >= self.total
        if not finished and now - self._last < (0.2 if self._tty else self.interval):
            return
        self._last = now
        elapsed = now - self.start
        frac = min(1.0, done / self.total)
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        if self._tty:
            bar = "#" * int(30 * frac)
            self.stream.write(f"\r{self.label} [{bar:<30}] {done}/{self.total} {elapsed:6.1f}s eta {eta:5.0f}s")
            if finished:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.label}: {done}/{self.total} ({100 * frac:.0f}%) {elapsed:.1f}s elapsed\n")
        self.stream.flush()


def log(message: str) -> None:
    """One line to stderr (which the workflow redirects to the rule's log)."""
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()
