"""Faults that tests inject, so that the library holds no test hooks: a Ray worker that dies in
the middle of a task."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dedupe_docs.runtime import ray_engine


def crash_once(monkeypatch: pytest.MonkeyPatch, flag: Path, function: str | None = None) -> None:
    """Make the first Ray task (of the stage function named ``function``, if given) kill its
    worker process: the task that removes ``flag`` exits at once (Ray then runs it again on
    another worker, and ``flag`` is gone, so that one runs).

    The task wrapper is a closure, so that Ray sends it by value to workers that cannot import
    the tests; ``ray_engine`` builds its remote function again around it."""
    real: Callable[[Callable[[Any, Any], Any], Any, Any], Any] = ray_engine._task

    def task(func: Callable[[Any, Any], Any], shared: Any, item: Any) -> Any:
        if function in (None, getattr(func, "__name__", None)):
            try:
                flag.unlink()
            except FileNotFoundError:
                pass
            else:
                os._exit(1)
        return real(func, shared, item)

    flag.touch()
    monkeypatch.setattr(ray_engine, "_task", task)
    monkeypatch.setattr(ray_engine, "_remote", None)
