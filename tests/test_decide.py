"""The batched slow path of decide gives what the one-passage-at-a-time definitions give.

The compiled kernels and the batched verification forms are checked against plain per-item
references on random corpora and hostile text, and ``decide()`` as a whole against the per-block
decide it replaced (tests/reference/decide.py) on planted corpora.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from dedupe_docs.config import Config
from dedupe_docs.stages import decide, detect, index, normalize, sign
from dedupe_docs.stages.boilerplate import (
    boilerplate_keys,
    boilerplate_set,
    key_doc_counts,
    sentence_rows,
    template_blocks,
)
from dedupe_docs.stages.kernels import block_copies_kernel, copy_sources_kernel, span_tokens_kernel
from tests.helpers.corpus import planted
from tests.reference import decide as reference_decide

HOSTILE = st.lists(
    st.sampled_from(
        [
            *"aAbB  zZ09.,'-",
            "aa",
            "AaA",
            "\u0301",  # combining acute: at the edge of a text it must not join its neighbour
            "\u00e9",
            "e\u0301",
            "\u0345",  # a mark that casefolds to a letter
            "ß",
            "ﬁ",
            "İ",
            "Σ",
            "ς",
            "Ⅻ",
            "½",
            "日",
            "ภ",
            "𝐀",
            "😀",
            "\x00",
            "\ud800",
        ]
    ),
    max_size=20,
).map("".join)
TEXTS = st.lists(st.one_of(HOSTILE, st.text(alphabet="aAbB .1", max_size=20), st.text()))


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_verification_forms_match_one_at_a_time(texts: list[str]) -> None:
    assert normalize.verification_forms(texts) == [normalize.verification_form(t) for t in texts]


def test_verification_forms_keep_texts_apart() -> None:
    texts = ["Sa", "as", "a", "\u0301a", "é", "\u0301", "aa\u0301", "A", "tt", "t", "日本", "本"]
    forms = normalize.verification_forms(texts)
    assert forms == ["sa", "as", "a", "a", "e", "", "a", "a", "t", "t", "日本", "本"]
    assert forms == [normalize.verification_form(t) for t in texts]
    # A text that holds the joint itself is still folded on its own.
    assert normalize.verification_forms(["a\x00a", "bb"]) == ["a", "b"]


def _one_similarity(target: str, source: str, threshold: float) -> float:
    """The per-pair definition the batch replaced (NaN for "not similar enough")."""
    a, b = normalize.verification_form(target), normalize.verification_form(source)
    if a == b:
        return 1.0
    score = fuzz.ratio(a, b, processor=None, score_cutoff=threshold * 100)
    return round(score / 100, 4) if score and score >= threshold * 100 else math.nan


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(HOSTILE, HOSTILE)),
    st.one_of(st.sampled_from([0.0, 0.5, 0.9, 1.0]), st.floats(0, 1)),
    st.integers(1, 2),
)
def test_similarities_match_one_ratio_per_pair(
    pairs: list[tuple[str, str]], threshold: float, jobs: int
) -> None:
    targets, sources = [t for t, _ in pairs], [s for _, s in pairs]
    batch = decide._similarities(targets, sources, Config(threshold=threshold, jobs=jobs))
    one = np.array([_one_similarity(t, s, threshold) for t, s in pairs], dtype=np.float64)
    assert batch.dtype == np.float64
    assert np.array_equal(batch, one, equal_nan=True)


def _corpus(seed: int) -> dict[str, np.ndarray]:
    """Random token arrays of a few documents: runs of aligned tokens (some into the same
    document, some with gaps), tokens equal or not, blocks and empty blocks."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 25, size=rng.integers(1, 5))
    doc_tokens = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    n = int(doc_tokens[-1])
    aligned = np.full(n, -1, dtype=np.int64)
    at = -1
    for i in range(n):
        roll = rng.random()
        if n and roll < 0.25:
            at = int(rng.integers(0, n))
        elif roll < 0.35:
            at = -1
        elif at >= 0:
            at = at + 1 if at + 1 < n else -1
        aligned[i] = at
    cuts = np.sort(rng.integers(0, n + 1, size=rng.integers(0, 8)))
    edges = np.unique(np.concatenate((doc_tokens, cuts)))
    t0 = np.concatenate((edges[:-1], rng.integers(0, n + 1, size=2)))  # and two empty blocks
    t1 = np.concatenate((edges[1:], t0[-2:]))
    local = np.arange(n) - np.repeat(doc_tokens[:-1], sizes)
    return {
        "doc_tokens": doc_tokens,
        "tok_start": (3 * local).astype(np.int32),
        "tok_end": (3 * local + 2).astype(np.int32),
        "tok_exact": rng.integers(1, 3, size=n).astype(np.uint64),
        "aligned": aligned,
        "t0": t0.astype(np.int64),
        "t1": t1.astype(np.int64),
    }


def _tok_doc(c: dict[str, np.ndarray]) -> np.ndarray:
    return np.repeat(np.arange(len(c["doc_tokens"]) - 1), np.diff(c["doc_tokens"]))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_block_copies_kernel_matches_one_block_at_a_time(seed: int) -> None:
    c = _corpus(seed)
    aligned, tok_doc = c["aligned"], _tok_doc(c)
    got = block_copies_kernel(
        aligned, 0, c["tok_exact"], c["tok_start"], c["tok_end"], c["doc_tokens"], c["t0"], c["t1"]
    )
    for k, (a, b) in enumerate(zip(c["t0"].tolist(), c["t1"].tolist(), strict=True)):
        src = aligned[a:b]
        exact = (
            b > a
            and bool((src >= 0).all())
            and bool((c["tok_exact"][src] == c["tok_exact"][a:b]).all())
            and bool((np.diff(src) == 1).all())
            and tok_doc[src[0]] == tok_doc[src[-1]]
            and not (src[-1] >= a and src[0] < b)
        )
        want = (
            (int(tok_doc[src[0]]), int(c["tok_start"][src[0]]), int(c["tok_end"][src[-1]]))
            if exact
            else (-1, -1, -1)
        )
        assert got[0][k] == np.count_nonzero(src >= 0)
        assert (got[1][k], got[2][k], got[3][k]) == want


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.data())
def test_copy_sources_kernel_matches_one_request_at_a_time(seed: int, data: st.DataObject) -> None:
    c = _corpus(seed)
    aligned, tok_doc, doc_tokens = c["aligned"], _tok_doc(c), c["doc_tokens"]
    n_docs = len(doc_tokens) - 1
    requests = []
    for _ in range(data.draw(st.integers(0, 6))):
        d = data.draw(st.integers(0, n_docs - 1))
        a = data.draw(st.integers(int(doc_tokens[d]), int(doc_tokens[d + 1])))
        requests.append((d, a, data.draw(st.integers(a, int(doc_tokens[d + 1])))))
    doc, t0, t1 = np.array(requests, dtype=np.int64).reshape(-1, 3).T
    hashes = c["tok_exact"]
    grow = np.array([data.draw(st.booleans()) for _ in requests], dtype=bool)
    src_doc, src_start, src_end, piece_at, piece_start, piece_end = copy_sources_kernel(
        aligned, 0, c["tok_start"], c["tok_end"], hashes, doc_tokens, doc, t0, t1, grow
    )
    for k, (d, a, b) in enumerate(requests):
        # What decide did per passage with NumPy before the batch, and the growth over equal
        # tokens aligned elsewhere beside a source that advances with the request.
        sources = aligned[a:b][aligned[a:b] >= 0]
        places = np.flatnonzero(aligned[a:b] >= 0) + a
        want: tuple[int, int, int, list[tuple[int, int]]] = (-1, -1, -1, [])
        if len(sources):
            values, counts = np.unique(tok_doc[sources], return_counts=True)
            m = int(values[np.argmax(counts)])
            places, sources = places[tok_doc[sources] == m], sources[tok_doc[sources] == m]
            tokens = np.unique(sources)
            if not (m == d and tokens[-1] >= a and tokens[0] < b):
                if grow[k] and m != d and (np.diff(sources) > 0).all():
                    lo, hi = int(doc_tokens[m]), int(doc_tokens[m + 1])
                    head = [
                        t
                        for t in range(1, places[0] - a + 1)
                        if tokens[0] - t < lo
                        or aligned[places[0] - t] < 0
                        or hashes[places[0] - t] != hashes[tokens[0] - t]
                    ]
                    tail = [
                        t
                        for t in range(1, b - places[-1])
                        if tokens[-1] + t >= hi
                        or aligned[places[-1] + t] < 0
                        or hashes[places[-1] + t] != hashes[tokens[-1] + t]
                    ]
                    grow_back = (head[0] if head else places[0] - a + 1) - 1
                    grow_on = (tail[0] if tail else b - places[-1]) - 1
                    tokens = np.concatenate(
                        (
                            np.arange(tokens[0] - grow_back, tokens[0]),
                            tokens,
                            np.arange(tokens[-1] + 1, tokens[-1] + grow_on + 1),
                        )
                    )
                cuts = np.flatnonzero(np.diff(tokens) != 1)
                firsts = [int(tokens[0]), *tokens[cuts + 1].tolist()]
                lasts = [*tokens[cuts].tolist(), int(tokens[-1])]
                pieces = [
                    (int(c["tok_start"][f]), int(c["tok_end"][e]))
                    for f, e in zip(firsts, lasts, strict=True)
                ]
                start, end = int(c["tok_start"][tokens[0]]), int(c["tok_end"][tokens[-1]])
                want = (m, start, end, pieces)
        at = slice(piece_at[k], piece_at[k + 1])
        got = list(zip(piece_start[at].tolist(), piece_end[at].tolist(), strict=True))
        assert (src_doc[k], src_start[k], src_end[k], got) == want


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.data())
def test_span_tokens_kernel_matches_searchsorted(seed: int, data: st.DataObject) -> None:
    c = _corpus(seed)
    blocks = [(a, b) for a, b in zip(c["t0"].tolist(), c["t1"].tolist(), strict=True) if b > a]
    spans = []
    for a, b in blocks:
        lo = data.draw(st.integers(int(c["tok_start"][a]), int(c["tok_end"][b - 1])))
        spans.append((a, b, lo, data.draw(st.integers(lo, int(c["tok_end"][b - 1])))))
    t0, t1, starts, ends = np.array(spans, dtype=np.int64).reshape(-1, 4).T
    first, last, covered = span_tokens_kernel(c["tok_start"], c["aligned"], 0, t0, t1, starts, ends)
    for k, (a, b, lo, hi) in enumerate(spans):
        at = a + np.searchsorted(c["tok_start"][a:b], np.array([lo, hi], dtype=np.int32))
        assert (first[k], last[k]) == tuple(at.tolist())
        assert covered[k] == np.count_nonzero(c["aligned"][at[0] : at[1]] >= 0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6))),
    st.sampled_from([1, 1 << 61]),
)
def test_key_doc_counts_count_distinct_documents(rows: list[tuple[int, int]], step: int) -> None:
    """Also with document numbers too far apart to pack a pair of a key's number and its
    document into an int64 (``step``)."""
    keys = np.array([k for k, _ in rows], dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    docs = np.array([d for _, d in rows], dtype=np.int64) * step
    values, counts = key_doc_counts(keys, docs)
    want = sorted({int(k) for k in keys if k})
    assert values.dtype == np.uint64 and counts.dtype == np.int64
    assert values.tolist() == want
    assert counts.tolist() == [
        len({d for k, d in zip(keys.tolist(), docs.tolist(), strict=True) if k == w}) for w in want
    ]


@pytest.mark.parametrize(
    "options",
    [{}, {"split_sentences": False}, {"unit": "paragraph"}, {"threshold": 0.5}],
    ids=["default", "whole-blocks", "paragraphs", "threshold-0.5"],
)
@pytest.mark.parametrize("seed", range(3))
def test_decide_matches_the_per_block_reference(
    paragraphs: list[str], options: dict[str, object], seed: int
) -> None:
    """Every unit, source and similarity of the batched decide equals the one-block-at-a-time
    decide it replaced, on planted corpora with partial copies (sentence cuts) and repeats."""
    docs = planted(paragraphs, 50, seed=seed)
    rng = random.Random(seed)
    texts = [t for _, t in docs]
    for i in range(10):  # a copied paragraph with an inserted sentence, and a repeated line
        para = rng.choice(paragraphs[:100])
        cut = para.find(". ") + 2 or len(para) // 2
        texts.append(f"{para[:cut]}A sentence nobody wrote before {i}. {para[cut:]}\n")
        texts.append(f"Same line here {i} again\nSame line here {i} again\n")
    config = Config(**options)  # type: ignore[arg-type]
    s = sign.sign(texts, config)
    keys = boilerplate_keys(s, config)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    boilerplate = boilerplate_set(keys, blk_doc, sentence_rows(s), s.n_docs, config)
    first = index.first_occurrences(s.shingles)
    nonempty = s.blk_t1 > s.blk_t0
    aligned = detect.align(
        first,
        s.doc_tokens,
        s.tok_hash,
        s.tok_exact,
        detect.block_edges(s.blk_t0[nonempty], s.blk_t1[nonempty], 0, len(s.tok_start)),
        spans=(s.tok_start, s.tok_end),
        sentences=s.tok_sentence,
        formulas=boilerplate,
        k=config.shingle_size,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
    )
    template = template_blocks(keys, boilerplate, s.blk_t1 - s.blk_t0, config)
    new = decide.decide(s, texts, aligned, template, config, common=boilerplate)
    old = reference_decide.decide(s, texts, aligned, template, config)
    for field in ("doc", "start", "end", "reason", "src_doc", "src_start", "src_end"):
        assert np.array_equal(getattr(new, field), getattr(old, field)), field
    assert np.array_equal(new.similarity, old.similarity, equal_nan=True)
    assert (new.reason == decide.DUPLICATE).sum() > 20
    assert len(new.doc) > len(s.blk_start) or options.get("split_sentences") is False


def test_reworded_reads_texts_that_hold_nul_characters() -> None:
    """ASCII texts are folded joined by NUL: a text holding NUL itself goes on its own."""
    targets = ["Copy\x00 of a line with   doubled lettters", "plain text"]
    sources = ["copy of a line with doubled letters", "plain text"]
    assert decide.reworded(targets, sources, np.array([True, True])).tolist() == [False, False]


def test_a_long_name_with_a_part_added_is_another_word_not_a_typo() -> None:
    """Two edits at most make a typo of a word, however long: a name with a part added names
    something else. A run of Chinese text is one word, held to its length only."""
    line = "{} takes a key of type bigint and waits until the lock is granted to the session"
    source = line.format("advisory_lock_shared")
    targets = [line.format("advisory_xact_lock_shared"), line.format("advisroy_lock_shraed")]
    cjk = "这个函数在当前会话中获取一个共享的咨询锁并且一直等待直到可以获得该锁为止"
    typed = cjk.replace("会话", "会活").replace("等待", "等侍").replace("为止", "为上")
    out = decide.reworded([*targets, typed], [source, source, cjk], np.array([False] * 3))
    assert out.tolist() == [True, False, False]


def test_spans_too_long_to_align_word_by_word_are_left_to_their_similarity() -> None:
    """A fuzzy copy whose source span is huge (its aligned words lie all over a long line) is
    not sliced and aligned word by word: that cost memory that grows with both lengths."""
    long = "word " * (decide.REWORDED_MAX_CHARS // 5 + 10)
    texts = ["short copied text here", long]
    units = np.array([0])
    locations = (np.array([0]), np.array([0]), np.array([len(texts[0])]))
    sources = (np.array([1]), np.array([0]), np.array([len(long)]))
    found = decide._reworded_units(texts, units, locations, sources, np.array([False]))
    assert found.tolist() == [False]


def test_a_number_that_differs_in_a_copy_from_its_own_page_is_another_word() -> None:
    """``stage 2`` is no typo of ``stage 1`` where a line and its source stand in one page (the
    items of a numbered list); between pages the old rule holds (the first occurrence a copy
    points at may be a parallel page, its true source a later one)."""
    target, source = "<m2> The octal file mode in stage 2.", "<m1> The octal file mode in stage 1."
    short = np.array([True, True])
    out = decide.reworded([target, target], [source, source], short, np.array([True, False]))
    assert out.tolist() == [True, False]
    doubled = "<<mm11>>  TThhee  ooccttaall  ffiillee  mmooddee  iinn  ssttaaggee  11.."
    assert decide.reworded([doubled], [source], short[:1], np.array([True])).tolist() == [False]


_EDGE_ALPHABET = "ab_ .,!?\n\t\r-$+<>=é\u0301日１\u200d—©😀\x00"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_EDGE_ALPHABET, max_size=16))
def test_without_edge_marks_is_the_edge_pattern(text: str) -> None:
    """The symbol check strips a copy's edges as ``^[\\W_]+|[\\W_]+$`` would, tail searched
    from the end."""
    import regex

    assert decide._without_edge_marks(text) == regex.sub(r"^[\W_]+|[\W_]+$", "", text)


def test_following_copies_memo_gives_the_same_answers() -> None:
    """Asked again with what an earlier call kept, :func:`decide._following_copies` answers
    as it did without it (deciding asks once per round)."""
    texts = ["One line of text\nand its wrapped end.\nAnother line here.", "x " * 40]
    texts.append(texts[0])
    n = 3
    columns = (
        np.ones(n, dtype=bool),
        np.full(n, 2),
        np.zeros(n, dtype=np.int64),
        np.array([0, 17, 38]),
        np.array([16, 37, 56]),
        np.array([0, 17, 38]),
        np.array([16, 37, 56]),
    )
    memo = decide._FollowMemo()
    for lines in (True, False, True):
        fresh = decide._following_copies(texts, *columns, lines)
        kept = decide._following_copies(texts, *columns, lines, memo)
        assert fresh.tolist() == kept.tolist()
    assert memo.pairs
