"""Ray as a task scheduler around the same pure stage functions (the only module importing Ray).

One task per piece, the shared input put into the object store once, results gathered in
piece order: the output is the local engine's, byte for byte, whatever the scheduling. Tasks
are pure, so a lost worker is simply retried (``max_retries``). No Ray Data, no actors.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from dedupe_docs.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

MAX_RETRIES = 3
INSTALL_HINT = '`engine="ray"` needs Ray: pip install "dedupe-docs[ray]"'

_remote: Any = None


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc
    return ray


def init() -> Any:
    """Connect to ``RAY_ADDRESS`` (a cluster) or start Ray on this machine, once. Ray logs
    at the level of the ``dedupe_docs`` logger, and no lower than INFO: ``dedupe-docs -q``
    silences its INFO and WARNING lines too."""
    ray = _ray()
    if not ray.is_initialized():
        level = logging.getLogger("dedupe_docs").getEffectiveLevel()
        ray.init(
            address=os.environ.get("RAY_ADDRESS"),
            ignore_reinit_error=True,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=max(level, logging.INFO),
        )
    return ray


def check() -> None:
    """Raise ConfigError with the install hint when Ray is not installed (without importing
    it, which takes a while: a run checks this before it reads anything)."""
    if importlib.util.find_spec("ray") is None:
        raise ConfigError(INSTALL_HINT, "engine")


def _remote_task() -> Any:
    global _remote
    ray = init()
    if _remote is None:
        _remote = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(_task)
    return _remote


def pmap(func: Callable[[Any, T], R], items: Sequence[T], shared: Any) -> list[R]:
    """``[func(shared, item) for item in items]`` as Ray tasks, results in item order."""
    remote = _remote_task()
    ray = _ray()
    ref = ray.put(shared)
    return ray.get([remote.remote(func, ref, item) for item in items])  # type: ignore[no-any-return]


def submit(func: Callable[[Any, T], Any], item: T, shared: Any) -> Any:
    """``func(shared, item)`` as a task, under way: the handle that :func:`wait` takes."""
    return _remote_task().remote(func, shared, item)


def wait(tasks: Sequence[Any]) -> list[Any]:
    """The results of tasks under way (:func:`submit`), once they are all done."""
    return _ray().get(list(tasks))  # type: ignore[no-any-return]


def imap(func: Callable[[Any, T], R], items: Sequence[T], shared: Any, window: int) -> Iterator[R]:
    """:func:`pmap`, each result yielded in item order as soon as it and those before it are
    done, with at most ``window`` tasks under way (so their arguments and results do not pile
    up in the object store while the caller works through them). Closing the generator
    cancels the tasks under way."""
    remote = _remote_task()
    ray = _ray()
    ref = ray.put(shared)
    waiting = iter(items)
    running = deque(remote.remote(func, ref, item) for item in itertools.islice(waiting, window))
    try:
        while running:
            result = ray.get(running.popleft())
            for item in waiting:
                running.append(remote.remote(func, ref, item))
                break
            yield result
    finally:  # the caller stopped early (a failure): the tasks under way are not wanted
        for task in running:
            ray.cancel(task)


def imap_kept(
    func: Callable[[Any, T], tuple[Any, ...]],
    items: Sequence[T],
    shared: Any,
    window: int,
    kept: int,
) -> Iterator[tuple[Any, list[Shared]]]:
    """:func:`imap` of a ``func`` that returns ``1 + kept`` values, each its own object: the
    first is yielded with the others, which stay in the object store, as :class:`Shared`
    handles (the driver never fetches them; the task that made them is run again if they
    are lost)."""
    remote = _remote_task().options(num_returns=1 + kept)
    ray = _ray()
    ref = ray.put(shared)
    waiting = iter(items)
    running = deque(remote.remote(func, ref, item) for item in itertools.islice(waiting, window))
    try:
        while running:
            first, *rest = running.popleft()
            result = ray.get(first)
            for item in waiting:
                running.append(remote.remote(func, ref, item))
                break
            yield result, [Shared(r) for r in rest]
    finally:  # the caller stopped early (a failure): the tasks under way are not wanted
        for task in running:
            ray.cancel(task[0])


class Shared:
    """A value put into the object store once (:func:`share`), or several (a list of
    references, the values given to ``make``): passed as an item, or inside a tuple of shared
    arguments or an item's tuple, a task gets the value itself; the driver keeps only the
    reference."""

    def __init__(self, ref: Any, make: Callable[[Any], Any] | None = None) -> None:
        self.ref, self.make = ref, make

    def value(self) -> Any:
        value = _ray().get(self.ref)
        return value if self.make is None else self.make(value)


def joined(parts: Sequence[Shared], make: Callable[[list[Any]], Any]) -> Shared:
    """The values of ``parts`` (each one object) as one shared value, ``make`` of the list."""
    return Shared([part.ref for part in parts], make)


def share(value: Any) -> Shared:
    """``value`` put into the object store once, for the tasks of several stages."""
    return Shared(init().put(value))


def _resolve(shared: Any) -> Any:
    if isinstance(shared, tuple) and any(isinstance(v, Shared) for v in shared):
        return tuple(v.value() if isinstance(v, Shared) else v for v in shared)
    return shared


def _task(func: Callable[[Any, Any], Any], shared: Any, item: Any) -> Any:
    return func(_resolve(shared), item.value() if isinstance(item, Shared) else _resolve(item))
