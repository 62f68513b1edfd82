"""Progress reports for long steps: a live bar on a terminal, periodic lines in a log."""

from __future__ import annotations

import sys
import time

try:  # Unix
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None


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


def resource_summary(wall_seconds: float) -> str:
    """``"W s wall, C s CPU (U user + S system), peak memory M MiB"`` of this process and its children.

    CPU and peak resident memory come from ``getrusage``: exact, where the
    ``benchmark:`` files of the workflow sample the job with psutil (twice a
    second for its first 15 s, then every 30 s) and can miss a short peak.
    ``ru_maxrss`` is KiB on Linux and bytes on macOS.  The workflow's jobs end
    their logs with this line.
    """
    if resource is None:  # pragma: no cover - Windows
        return f"{wall_seconds:.1f} s wall"
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = mine.ru_utime + children.ru_utime, mine.ru_stime + children.ru_stime
    peak = max(mine.ru_maxrss, children.ru_maxrss) / (2**20 if sys.platform == "darwin" else 2**10)
    return (f"{wall_seconds:.1f} s wall, {user + system:.1f} s CPU ({user:.1f} user + {system:.1f} system), "
            f"peak memory {peak:.0f} MiB")
