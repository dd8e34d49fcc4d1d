"""The first run: compile the kernels up front, and say so.

The kernels (:mod:`dedupe_docs.stages.kernels`) are compiled by Numba when first called and
cached on disk, so only the first run (and the first after an upgrade) pays for compiling. Left
to happen inside the stages, that wait would look like a stalled stage with a wrong rate and
ETA. When Numba's cache holds none of the kernels for this machine, :func:`compile_kernels`
cleans a tiny corpus first, reported as the ``compile`` stage, which compiles them all (but the
few that only bounded memory uses).
"""

from __future__ import annotations

import logging
import time

from dedupe_docs.config import Config
from dedupe_docs.drivers import memory
from dedupe_docs.runtime.progress import Progress, log_stage, stage, unlogged
from dedupe_docs.types import Document

log = logging.getLogger(__name__)

_LINE = "The branch meeting in May will discuss the pay offer and the new rota for the office.\n"
SAMPLE = (
    Document("a", f"{_LINE}Reply\n{_LINE.upper()}Reply\n"),
    Document("b", "Reply\nThe branch meeting in May will discuss the pya offer and new rotas.\n"),
    Document("c", f"Intro.\n{_LINE}{_LINE}Reply\n"),
)
"""Copies exact and fuzzy, whole and in a line, and a recurring short line: enough to call every
kernel of cleaning in memory (tested)."""


def kernels_cached() -> bool | None:
    """Whether Numba's on-disk cache holds any kernel compiled for this machine (None: cannot
    tell). The cache index of a kernel is dropped when the kernels' source changes."""
    try:
        from numba.core.registry import CPUDispatcher

        from dedupe_docs.stages import kernels

        found = [k for k in vars(kernels).values() if isinstance(k, CPUDispatcher)]
        for kernel in found:
            machine = kernel.targetctx.codegen().magic_tuple()
            index = kernel._cache._cache_file._load_index()  # Numba's own reader of the cache
            if any(key[1] == machine for key in index):
                return True
        return False if found else None
    except Exception:  # another Numba's internals: not worth failing a run over
        return None


def compile_kernels(config: Config, progress: Progress | None = None) -> None:
    """Compile the kernels on a tiny corpus, reported as stage ``compile``, when the cache
    holds none of them; do nothing otherwise."""
    if kernels_cached() is not False:
        return
    log.info("compiling the kernels (first run only; they are cached for later runs)")
    started = time.perf_counter()
    stage(progress, "compile", 0, 1)
    small = config.evolve(jobs=1, engine="local", work_dir=None, max_memory=None, min_tokens=8)
    with unlogged():
        memory.clean(list(SAMPLE), small, {})
    stage(progress, "compile", 1, 1)
    log_stage("compile", time.perf_counter() - started)
