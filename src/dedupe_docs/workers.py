"""Run the independent pieces of a stage on several threads or processes, results in order.

Stages whose work is compiled kernels and NumPy run on threads (:func:`tmap`): the GIL is
released, so nothing is copied. The others run on processes (:func:`pmap`), which are forked,
so they see the parent's arrays and texts without copying or pickling them; only each piece's
small description goes in and its result comes back. Where ``fork`` is not available, or
``jobs`` is 1, the pieces run in this process. With ``engine="ray"`` the same pieces run as Ray
tasks (:mod:`dedupe_docs.ray_engine`), so a stage never knows where it runs and the output
cannot depend on it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SHARED: Any = None


def pmap(
    func: Callable[[Any, T], R],
    items: Sequence[T],
    shared: Any,
    jobs: int,
    engine: str = "local",
) -> list[R]:
    """``[func(shared, item) for item in items]``, on up to ``jobs`` forked processes or as
    Ray tasks (``engine="ray"``)."""
    if engine == "ray":
        from . import ray_engine

        return ray_engine.pmap(func, items, shared)
    global _SHARED
    if jobs <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [func(shared, item) for item in items]
    _SHARED = shared
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(items))) as pool:
            return pool.map(_call, [(func, item) for item in items], chunksize=1)
    finally:
        _SHARED = None


def tmap(func: Callable[[Any, T], R], items: Sequence[T], shared: Any, jobs: int) -> list[R]:
    """``[func(shared, item) for item in items]`` on up to ``jobs`` threads: for stages whose
    work runs in compiled kernels and NumPy calls that release the GIL, so nothing is copied
    or pickled between processes."""
    if jobs <= 1 or len(items) <= 1:
        return [func(shared, item) for item in items]
    with ThreadPoolExecutor(min(jobs, len(items))) as pool:
        return list(pool.map(lambda item: func(shared, item), items))


def _call(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    func, item = job
    return func(_SHARED, item)
