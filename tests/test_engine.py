"""Engine choice without Ray installed, and the index stage split by hash range."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import dedupe_docs
from dedupe_docs.stages.index import first_occurrences, first_occurrences_by_range
from tests.helpers.clihelp import invoke
from tests.helpers.corpus import SEEDS


@pytest.fixture
def no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray is not installed: ``import ray`` fails and ``find_spec("ray")`` finds nothing."""
    monkeypatch.setitem(sys.modules, "ray", None)


def test_ray_engine_without_ray_names_the_install(no_ray: None) -> None:
    with pytest.raises(dedupe_docs.ConfigError, match=r'pip install "dedupe-docs\[ray\]"'):
        dedupe_docs.clean([("a", "some text here\n")], engine="ray")


def test_a_missing_ray_is_found_before_any_input_is_read(no_ray: None, tmp_path: Path) -> None:
    """Checked with the options, so a bad input path does not hide it and nothing is written."""
    missing = str(tmp_path / "missing")
    for call in (
        lambda: dedupe_docs.clean([missing], engine="ray"),
        lambda: dedupe_docs.clean_records([{"id": "a", "text": "x"}], engine="ray"),
        lambda: dedupe_docs.run([missing], tmp_path / "out", dedupe_docs.Config(engine="ray")),
    ):
        with pytest.raises(dedupe_docs.ConfigError, match="needs Ray") as caught:
            call()
        assert caught.value.option == "engine"
    code, _, err = invoke("clean", str(SEEDS), "--out", str(tmp_path / "out"), "--engine", "ray")
    assert code == 1, err
    assert err.startswith("dedupe-docs: error: --engine ray needs Ray"), err
    assert not (tmp_path / "out").exists()


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(dedupe_docs.ConfigError):
        dedupe_docs.clean([("a", "x\n")], engine="spark")


@pytest.mark.parametrize("bits", [0, 1, 3, 8])
def test_first_occurrence_by_hash_range_is_the_global_one(bits: int) -> None:
    rng = np.random.default_rng(bits)
    hashes = rng.choice(rng.integers(0, 2**64 - 1, 500, dtype=np.uint64), 5000)
    assert np.array_equal(first_occurrences_by_range(hashes, bits), first_occurrences(hashes))
