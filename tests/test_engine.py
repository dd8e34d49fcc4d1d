"""Engine choice without Ray installed, and the index stage split by hash range."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import dedupe_docs
from dedupe_docs.stages.index import first_occurrences, first_occurrences_by_range


def test_ray_engine_without_ray_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: object, **kwargs: object) -> object:
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(dedupe_docs.ConfigError, match=r'pip install "dedupe-docs\[ray\]"'):
        dedupe_docs.clean([("a", "some text here\n")], engine="ray")


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(dedupe_docs.ConfigError):
        dedupe_docs.clean([("a", "x\n")], engine="spark")


@pytest.mark.parametrize("bits", [0, 1, 3, 8])
def test_first_occurrence_by_hash_range_is_the_global_one(bits: int) -> None:
    rng = np.random.default_rng(bits)
    hashes = rng.choice(rng.integers(0, 2**64 - 1, 500, dtype=np.uint64), 5000)
    assert np.array_equal(first_occurrences_by_range(hashes, bits), first_occurrences(hashes))
