"""Run the independent pieces of a stage on threads or Ray tasks, results in input order.

Locally the pieces run on threads (:func:`tmap`): their work is compiled kernels and NumPy
calls that release the GIL, so nothing is copied or pickled. With ``engine="ray"`` the same
pieces run as Ray tasks (:mod:`dedupe_docs.runtime.ray_engine`), so a stage never knows where
it runs and the output cannot depend on it.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def pmap(
    func: Callable[[Any, T], R],
    items: Sequence[T],
    shared: Any,
    jobs: int,
    engine: str = "local",
) -> list[R]:
    """``[func(shared, item) for item in items]``, as Ray tasks (``engine="ray"``) or on up to
    ``jobs`` threads."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.pmap(func, items, shared)
    return tmap(func, items, shared, jobs)


def share(value: Any, engine: str = "local") -> Any:
    """``value`` as the shared argument of several :func:`pmap` calls: on Ray put into the
    object store once (the caller may let its own copy go), a tuple element that tasks receive
    as the value itself; locally the value."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.share(value)
    return value


def stream_kept(
    func: Callable[[Any, T], tuple[Any, ...]],
    items: Sequence[T],
    shared: Any,
    window: int,
    engine: str,
    kept: int = 1,
) -> Iterator[tuple[Any, list[Any]]]:
    """:func:`stream` of a ``func`` that returns ``1 + kept`` values: each first value
    yielded with the others, which on Ray stay in the object store, as handles that
    :func:`joined` and tasks (an item may be one) take: the driver never holds them."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.imap_kept(func, items, shared, window, kept)
    done = imap(func, items, shared, max(1, window // 2))
    return ((first, list(rest)) for first, *rest in done)


def joined(parts: Sequence[Any], make: Callable[[list[Any]], Any], engine: str = "local") -> Any:
    """``make`` of the list of ``parts`` (second values of :func:`stream_kept`), as a shared
    argument: on Ray a handle the tasks receive as the made value, the driver holding only
    references (:func:`value` makes it there); locally the value."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.joined(parts, make)
    return make(list(parts))


def value(shared: Any, engine: str = "local") -> Any:
    """The value of a shared argument (:func:`share`, :func:`joined`) on the driver."""
    if engine == "ray":
        return shared.value()
    return shared


def submit(func: Callable[[Any, T], Any], item: T, shared: Any, engine: str) -> Any:
    """``func(shared, item)`` started (a Ray task, ``engine="ray"``) or, locally, done now:
    a handle for :func:`wait`."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.submit(func, item, shared)
    return func(shared, item)


def wait(tasks: Sequence[Any], engine: str) -> list[Any]:
    """The results of what :func:`submit` started, once all are done."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.wait(tasks)
    return list(tasks)


def tmap(func: Callable[[Any, T], R], items: Sequence[T], shared: Any, jobs: int) -> list[R]:
    """``[func(shared, item) for item in items]`` on up to ``jobs`` threads."""
    if jobs <= 1 or len(items) <= 1:
        return [func(shared, item) for item in items]
    with ThreadPoolExecutor(min(jobs, len(items))) as pool:
        return list(pool.map(lambda item: func(shared, item), items))


def imap(func: Callable[[Any, T], R], items: Sequence[T], shared: Any, jobs: int) -> Iterator[R]:
    """:func:`tmap`, yielding each result in order as soon as it and those before it are done,
    with at most ``2 * jobs`` pieces under way: results do not pile up while the consumer works
    through them."""
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield func(shared, item)
        return
    with ThreadPoolExecutor(min(jobs, len(items))) as pool:
        waiting = iter(items)
        first = itertools.islice(waiting, 2 * jobs)
        running = deque(pool.submit(func, shared, item) for item in first)
        while running:
            result = running.popleft().result()
            for item in waiting:
                running.append(pool.submit(func, shared, item))
                break
            yield result


def stream(
    func: Callable[[Any, T], R], items: Sequence[T], shared: Any, window: int, engine: str
) -> Iterator[R]:
    """:func:`imap` as Ray tasks (``engine="ray"``, at most ``window`` under way) or on
    ``window // 2`` threads: each result yielded in order as soon as it and those before it
    are done."""
    if engine == "ray":
        from dedupe_docs.runtime import ray_engine

        return ray_engine.imap(func, items, shared, window)
    return imap(func, items, shared, max(1, window // 2))
