"""The compiled tokeniser gives exactly what the NumPy reference gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe_docs import normalize

pytestmark = pytest.mark.skipif(normalize.compiled() is None, reason="numba is not installed")

HOSTILE = st.text(
    alphabet=st.sampled_from(
        [
            *list("aAbB zZ09\n\r\t.,'’“-"),
            "́",
            "\u200d",
            "\u202e",
            "😀",
            "日",
            "本",
            "ภ",
            "า",
            "Ⅻ",
            "½",
            "ß",
            "ﬁ",
            "𠀀",
            "\x00",
        ]
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(HOSTILE, st.text(max_size=300)))
def test_kernel_matches_numpy(text: str) -> None:
    fast, slow = normalize.tokenize(text), normalize.tokenize_numpy(text)
    for field in ("starts", "ends", "hashes", "exact"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field


@settings(max_examples=200, deadline=None)
@given(st.one_of(HOSTILE, st.text(max_size=300)))
def test_line_kernel_matches_numpy(text: str) -> None:
    from unittest import mock

    from dedupe_docs import segment

    cps = normalize.codepoints(text)
    fast = segment._lines(cps)
    with mock.patch.object(segment, "compiled", lambda: None):
        slow = segment._lines(cps)
    assert np.array_equal(fast, slow)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 20), max_size=400), st.sampled_from([1, 2, 3, 4]))
def test_first_occurrence_kernel_matches_sort(values: list[int], jobs: int) -> None:
    from dedupe_docs import index

    hashes = (
        (np.array(values, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        if values
        else np.zeros(0, np.uint64)
    )
    fast = index.first_occurrences(hashes, jobs)
    assert np.array_equal(fast, index.first_occurrences_sorted(hashes))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_ascii_verification_form_matches_the_general_one(text: str) -> None:
    general = normalize._general_verification_form(text)
    assert normalize.verification_form(text) == general
