"""Progress and stage logs: a tiny hook the pipeline calls, and a tqdm bar per stage for the CLI.

The pipeline knows nothing about terminals. It calls ``progress(stage, done, total)`` as a stage
goes on, in the stage's unit (:data:`UNITS`: bytes of text for ``read`` and ``sign``, documents
for ``detect``, ``decide``, ``reworded`` (with ``reuse="paraphrase"``) and ``write``);
:class:`Stages` makes every stage end with ``done == total``; :class:`StageBars` turns the
calls into one tqdm bar per stage on stderr, shown only when stderr is a terminal and the run
has lasted about a second. :class:`Clock` times the stages and logs each one's time and counts
(``dedupe-docs -v`` shows them).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: ``done`` of ``total`` units of ``stage`` are finished."""

UNITS = {
    "read": "B",
    "sign": "B",
    "detect": "doc",
    "decide": "doc",
    "reworded": "doc",
    "write": "doc",
    "clean": "batch",
}
"""The unit each stage counts in (``B``: bytes of UTF-8 text)."""
UNCOUNTED = ("compile", "index")
"""Stages that report only their start and end: their bars show the time so far."""

NOTICES = {"compile": "compiling the kernels (first run only; they are cached for later runs)"}
"""Stages shown as a line of text and the time so far, at once, not as a bar."""

T = TypeVar("T")
BATCH = 64
DELAY_ENV = "DEDUPE_DOCS_PROGRESS_DELAY"
REFRESH = 0.5
"""Seconds between redraws of a bar that has not moved, so its elapsed time keeps going."""


def ticks(items: Sequence[T], stage: str, progress: Progress | None) -> Iterator[T]:
    """Yield ``items``, reporting every ``BATCH`` items (and the last) to ``progress``.

    >>> seen = []
    >>> list(ticks([1, 2, 3], "demo", lambda *a: seen.append(a)))
    [1, 2, 3]
    >>> seen
    [('demo', 0, 3), ('demo', 3, 3)]
    """
    if progress is None:
        yield from items
        return
    total = len(items)
    progress(stage, 0, total)
    for n, item in enumerate(items, 1):
        yield item
        if n % BATCH == 0 or n == total:
            progress(stage, n, total)


def text_bytes(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (free for ASCII text, whose length is known)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def counted(
    items: Iterable[T],
    stage: str,
    progress: Progress | None,
    total: int,
    size: Callable[[T], int],
    every: float = 0.1,
) -> Iterator[T]:
    """Yield ``items``, reporting the sum of their ``size`` against ``total`` (an estimate:
    raised to what was counted when it falls short) at most every ``every`` seconds, and at
    the end ``done == total``."""
    if progress is None:
        yield from items
        return
    done, last = 0, time.monotonic()
    progress(stage, 0, total)
    for item in items:
        done += size(item)
        now = time.monotonic()
        if now - last >= every:
            progress(stage, done, max(total, done))
            last = now
        yield item
    progress(stage, done, done)


def stage(progress: Progress | None, name: str, done: int = 0, total: int = 1) -> None:
    """Report ``done`` of ``total`` units of a stage (by default: the stage has started)."""
    if progress is not None:
        progress(name, done, total)


class Stages:
    """A ``Progress`` in front of another that finishes each stage when the next one starts
    (and the last at :meth:`finish`): the callback it wraps sees every stage end with
    ``done == total``, whatever its last report was."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.current: tuple[str, int, int] | None = None

    def __call__(self, name: str, done: int, total: int) -> None:
        if self.current is not None and self.current[0] != name:
            self.finish()
        self.current = (name, done, total)
        self.progress(name, done, total)

    def finish(self) -> None:
        """Report the current stage as done."""
        if self.current is not None:
            name, done, total = self.current
            if done != total:
                self.progress(name, total, total)
            self.current = None


class Clock:
    """Adds the time since the last lap to a stage's entry in ``timings`` (a stage that runs
    once per batch adds up), and logs a lap given its counts; each lap also hands freed memory
    back to the system, or only when the process holds more than ``release_above`` bytes."""

    def __init__(self, timings: dict[str, float], *, release_above: int = 0) -> None:
        self.timings, self.release_above = timings, release_above
        self.last = time.perf_counter()

    def lap(self, stage: str, **counts: int) -> None:
        """End a lap of ``stage``; ``counts`` (documents, tokens...) are logged with its time."""
        from dedupe_docs.runtime.memory import release_memory, resident_memory

        if self.release_above <= 0 or (resident_memory() or 0) > self.release_above:
            release_memory()
        now = time.perf_counter()
        self.timings[stage] = round(self.timings.get(stage, 0.0) + now - self.last, 4)
        self.last = now
        if counts:
            log_stage(stage, self.timings[stage], **counts)

    def skip(self) -> None:
        """Count the time since the last lap in no stage (another part of the run took it)."""
        self.last = time.perf_counter()


_LOGGED = contextvars.ContextVar("stages logged", default=True)


@contextlib.contextmanager
def unlogged() -> Iterator[None]:
    """No stage is logged within (stages run for another purpose than the run's own)."""
    token = _LOGGED.set(False)
    try:
        yield
    finally:
        _LOGGED.reset(token)


def log_stage(stage: str, seconds: float, **counts: int) -> None:
    """Log (INFO) that ``stage`` took ``seconds``, with counts: ``sign: 1.20 s, 5 documents``."""
    if _LOGGED.get() and log.isEnabledFor(logging.INFO):
        told = "".join(f", {n:,} {what.replace('_', ' ')}" for what, n in counts.items())
        log.info("%s: %.2f s%s", stage, seconds, told)


class StageBars:
    """A ``Progress`` that draws one tqdm bar per stage on ``file`` (stderr).

    ``enabled=None`` shows bars only when ``file`` is a terminal (tqdm's ``disable=None``).
    Bars appear once the run has lasted ``delay`` seconds (env ``DEDUPE_DOCS_PROGRESS_DELAY``,
    default 1), so quick runs print nothing; a stage of :data:`NOTICES` appears at once. A bar
    is redrawn every ``REFRESH`` seconds, so its elapsed time and rate stay current while the
    stage works through a part.
    """

    def __init__(
        self,
        *,
        enabled: bool | None = None,
        file: IO[str] | None = None,
        delay: float | None = None,
    ) -> None:
        self.file = file or sys.stderr
        self.disable = None if enabled is None else not enabled
        self.delay = float(os.environ.get(DELAY_ENV, "1")) if delay is None else delay
        self.started = time.monotonic()
        self.bar: Any = None
        self.name: str | None = None
        self.shown_at = 0.0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.redraws: threading.Thread | None = None

    def __call__(self, name: str, done: int, total: int) -> None:
        with self.lock:
            if name != self.name:
                self._open(name, total)
            self.bar.total = total
            self.bar.update(done - self.bar.n)
            if done == total and time.monotonic() - self.started >= self.delay:
                self.bar.refresh()  # a stage's last state is drawn even within mininterval

    def _open(self, name: str, total: int) -> None:
        from tqdm import tqdm

        self._close()
        self.name = name
        unit = UNITS.get(name, "")
        notice = NOTICES.get(name)
        waited = time.monotonic() - self.started
        self.shown_at = time.monotonic() + (0 if notice else max(0.0, self.delay - waited))
        self.bar = tqdm(
            total=total,
            desc=f"dedupe-docs: {notice or name}",
            unit=unit,
            unit_scale=unit == "B",
            bar_format="{desc}… {elapsed}" if name in UNCOUNTED else None,
            file=self.file,
            disable=self.disable,
            delay=self.shown_at - time.monotonic(),
            mininterval=0.2,
            leave=False,
            dynamic_ncols=True,
        )
        if self.redraws is None and not self.bar.disable:
            self.redraws = threading.Thread(target=self._redraw, daemon=True)
            self.redraws.start()

    def _redraw(self) -> None:
        while not self.stopped.wait(REFRESH):
            with self.lock:
                if self.bar is not None and time.monotonic() >= self.shown_at:
                    self.bar.refresh()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            self.name = None

    def close(self) -> None:
        self.stopped.set()
        if self.redraws is not None:
            self.redraws.join()
            self.redraws = None
        with self.lock:
            self._close()

    def __enter__(self) -> StageBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
