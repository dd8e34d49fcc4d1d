"""Progress reporting: a tiny hook the pipeline calls, and a tqdm bar per stage for the CLI.

The pipeline knows nothing about terminals. It calls ``progress(stage, done, total)`` at stage
boundaries and per batch of documents; :class:`StageBars` turns those calls into one tqdm bar per
stage on stderr, shown only when stderr is a terminal and the run has lasted about a second.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TypeVar

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: ``done`` of ``total`` units of ``stage`` are finished."""

T = TypeVar("T")
BATCH = 64
DELAY_ENV = "DEDUPE_DOCS_PROGRESS_DELAY"


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


class Clock:
    """Adds the time since the last lap to a stage's entry in ``timings`` (a stage that runs
    once per batch adds up); each lap also hands freed memory back to the system, or only
    when the process holds more than ``release_above`` bytes."""

    def __init__(self, timings: dict[str, float], *, release_above: int = 0) -> None:
        self.timings, self.release_above = timings, release_above
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        from dedupe_docs.runtime.memory import release_memory, resident_memory

        if self.release_above <= 0 or (resident_memory() or 0) > self.release_above:
            release_memory()
        now = time.perf_counter()
        self.timings[stage] = round(self.timings.get(stage, 0.0) + now - self.last, 4)
        self.last = now

    def skip(self) -> None:
        """Count the time since the last lap in no stage (another part of the run took it)."""
        self.last = time.perf_counter()


def stage(progress: Progress | None, name: str, done: int = 0, total: int = 1) -> None:
    """Report ``done`` of ``total`` units of a stage (by default: the stage has started)."""
    if progress is not None:
        progress(name, done, total)


class StageBars:
    """A ``Progress`` that draws one tqdm bar per stage on ``file`` (stderr).

    ``enabled=None`` shows bars only when ``file`` is a terminal (tqdm's ``disable=None``).
    Bars appear once the run has lasted ``delay`` seconds (env ``DEDUPE_DOCS_PROGRESS_DELAY``,
    default 1), so quick runs print nothing.
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

    def __call__(self, name: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if name != self.name:
            self.close()
            self.name = name
            waited = time.monotonic() - self.started
            self.bar = tqdm(
                total=total,
                desc=f"dedupe-docs: {name}",
                unit="batch" if total > 1 else "stage",
                file=self.file,
                disable=self.disable,
                delay=max(0.0, self.delay - waited),
                mininterval=0.2,
                leave=False,
                dynamic_ncols=True,
            )
        self.bar.total = total
        self.bar.update(done - self.bar.n)
        if done == total and time.monotonic() - self.started >= self.delay:
            self.bar.refresh()  # a stage's last state is drawn even within mininterval

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> StageBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
