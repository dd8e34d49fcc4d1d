"""The compiled tokeniser and sign kernel give exactly what the NumPy references give."""

from __future__ import annotations

import itertools

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe_docs.stages import kernels, normalize

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

    from dedupe_docs.stages import segment

    cps = normalize.codepoints(text)
    fast = segment._lines(cps)
    with mock.patch.object(segment, "compiled", lambda: None):
        slow = segment._lines(cps)
    assert np.array_equal(fast, slow)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 20), max_size=400), st.sampled_from([1, 2, 3, 4]))
def test_first_occurrence_kernel_matches_sort(values: list[int], jobs: int) -> None:
    from dedupe_docs.stages import index

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


DOCS = st.lists(st.one_of(HOSTILE, st.text(max_size=120)), max_size=8)


@settings(max_examples=150, deadline=None)
@given(DOCS, st.sampled_from([2, 3, 5]))
def test_sign_kernel_matches_numpy(texts: list[str], k: int) -> None:
    from dedupe_docs.config import Config
    from dedupe_docs.stages import sign
    from dedupe_docs.stages.segment import segment

    fast = sign.sign(texts, Config(shingle_size=k))
    joined = sign.JOIN.join(texts)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    doc_char = np.concatenate(([0], np.cumsum(lengths + len(sign.JOIN))))[: len(texts)]
    tokens, blocks = normalize.tokenize(joined), segment(joined)
    opens = sign.counted_sentences(
        sign.sentence_opens(normalize.codepoints(joined), tokens, blocks), tokens
    )
    slow = sign.sign_columns(tokens, blocks, doc_char, k, opens)
    for field in attrs.fields(sign.Signed):
        a, b = getattr(fast, field.name), getattr(slow, field.name)
        assert a.dtype == b.dtype and np.array_equal(a, b), field.name


@settings(max_examples=100, deadline=None)
@given(DOCS, st.lists(st.integers(0, 8), max_size=3), st.integers(0, 200))
def test_joined_batches_are_the_batch_of_all(
    texts: list[str], cuts: list[int], estimate: int
) -> None:
    """Batches joined in order give what one batch of every document gives, also when the
    columns must grow past the first batch's estimate."""
    from dedupe_docs.config import Config
    from dedupe_docs.stages import sign

    config = Config(shingle_size=3)
    bounds = sorted({0, len(texts), *(min(c, len(texts)) for c in cuts)})
    joiner = sign.Joiner(estimate)
    for lo, hi in itertools.pairwise(bounds):
        joiner.add(sign.sign(texts[lo:hi], config), sum(map(len, texts[lo:hi])))
    whole = sign.sign(texts, config)
    joined = joiner.signed()
    for field in attrs.fields(sign.Signed):
        a, b = getattr(joined, field.name), getattr(whole, field.name)
        assert a.dtype == b.dtype and np.array_equal(a, b), field.name


SENTENCE_TEXTS = st.lists(
    st.sampled_from(
        [
            "word",
            "3.5",
            "e.g.",
            "end.",
            "wow!",
            '"quoted."',
            "(so?))",
            "中文。",
            "x…",
            ".",
            "»",
            " ",
            "  ",
            "\n",
            "\n\n",
            "a:b",
            "Ünï",
            "'",
            "a;b",
            "--",
            "(x",
            "\t",
            "        ",
        ]
    ),
    max_size=30,
).map("".join)
"""Text of words, stops, closers, marks and spaces of every kind and width."""


@settings(max_examples=200, deadline=None)
@given(SENTENCE_TEXTS)
def test_sentence_opens_are_where_sentences_start(text: str) -> None:
    """The tokens that open a sentence (:func:`sign.sentence_opens`, vectorised over a joined
    batch) are the first tokens of the sentences that deciding cuts each line into
    (:func:`segment.sentences`, a regular expression per line)."""
    from dedupe_docs.stages import sign
    from dedupe_docs.stages.segment import segment, sentences

    cps = normalize.codepoints(text)
    tokens = normalize.tokenize(text, cps)
    blocks = segment(text, "line", cps)
    opens = sign.sentence_opens(cps, tokens, blocks) & kernels.SENTENCE_OPENS
    expected = np.zeros(len(tokens), dtype=np.uint8)
    for start, end in blocks.tolist():
        for a, b in sentences(text, start, end):
            first = int(np.searchsorted(tokens.starts, a))
            if first < len(tokens) and tokens.starts[first] < b:
                expected[first] = 1
    assert opens.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(SENTENCE_TEXTS)
def test_sentence_edges_deciding_reads_are_marked(text: str) -> None:
    """Wherever deciding finds a sentence opening before a span of whole words (its first
    word, or the marks before it after a space) or closing after one (its last word, or the
    marks after it), ``MAY_OPEN`` marks the first token and ``MAY_CLOSE`` the last: detection
    leaves out short passages by these bits alone."""
    from dedupe_docs.stages import decide, sign
    from dedupe_docs.stages.segment import segment

    cps = normalize.codepoints(text)
    tokens = normalize.tokenize(text, cps)
    bits = sign.sentence_opens(cps, tokens, segment(text, "line", cps))
    starts, ends = tokens.starts.tolist(), tokens.ends.tolist()
    gaps = [0, *ends[:-1]], [*starts[1:], len(text)]  # each token's gap before, and after
    firsts, lasts = [], []
    for i in range(len(starts)):
        before = text[gaps[0][i] : starts[i]]
        firsts += [(i, starts[i]), (i, starts[i] - len(before) + len(before.rstrip("(\"'[«")))]
        after = text[ends[i] : gaps[1][i]]
        lasts += [(i, ends[i]), (i, ends[i] + len(after) - len(after.lstrip(".,;:!?…)\"'»]")))]
    pairs = [(f, g) for f in firsts for g in lasts if f[0] <= g[0]]
    doc = np.zeros(len(pairs), dtype=np.int64)
    at = np.array([[f[1], g[1]] for f, g in pairs], dtype=np.int64).reshape(-1, 2)
    opened, closed = decide._sentence_edges([text], np.arange(len(pairs)), (doc, at[:, 0], at[:, 1]))
    for (f, g), o, c in zip(pairs, opened.tolist(), closed.tolist(), strict=True):
        assert not o or bits[f[0]] & kernels.MAY_OPEN, (text, f, g)
        assert not c or bits[g[0]] & kernels.MAY_CLOSE, (text, f, g)
