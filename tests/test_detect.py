"""The compiled passage detector aligns exactly what the pure-Python reference aligns."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe_docs.config import Config
from dedupe_docs.stages import boilerplate, detect, sign
from dedupe_docs.stages.index import first_occurrences
from tests.helpers.corpus import licence_variant_copied, planted
from tests.reference import detect as reference_detect


def _both(
    texts: list[str], keep: str, jobs: int = 1, **options: int
) -> tuple[np.ndarray, np.ndarray]:
    """The compiled alignment (on ``jobs`` threads, cut at document boundaries) and the
    reference's."""
    config = Config(**options)
    s = sign.sign(texts, config)
    first = first_occurrences(s.shingles)
    blocks = (s.blk_t0[s.blk_t1 > s.blk_t0], s.blk_t1[s.blk_t1 > s.blk_t0])
    # The reference takes the shingles as positions and the first occurrence of each.
    positions = np.flatnonzero(s.shingles != 0)
    kwargs = {
        "k": config.shingle_size,
        "min_tokens": config.min_tokens,
        "max_gap": config.max_gap,
        "keep": keep,
    }
    edges = detect.block_edges(*blocks, 0, len(s.tok_start))
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    keys = boilerplate.boilerplate_keys(s, config)
    formulas = boilerplate.boilerplate_set(
        keys, blk_doc, boilerplate.sentence_rows(s), s.n_docs, config
    )
    more = {"spans": (s.tok_start, s.tok_end), "sentences": s.tok_sentence, "formulas": formulas}
    fast = detect.align(
        first, s.doc_tokens, s.tok_hash, s.tok_exact, edges, jobs=jobs, **more, **kwargs
    )
    reference = (positions, first[positions], s.doc_tokens, s.tok_hash, s.tok_exact, blocks)
    return fast, reference_detect.align(*reference, **more, **kwargs)


@pytest.mark.parametrize("keep", ["first", "longest"])
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("jobs", [1, 3])
def test_matches_reference_on_planted_corpora(
    paragraphs: list[str], keep: str, seed: int, jobs: int
) -> None:
    texts = [text for _, text in planted(paragraphs, 60, seed=seed)]
    fast, slow = _both(texts, keep, jobs)
    assert np.array_equal(fast, slow)
    assert (fast >= 0).sum() > 500  # the corpus has copies to align


def test_matches_reference_where_a_word_for_word_source_wins() -> None:
    """A copy of a licence variant: the standard text aligns with all of it, with
    substitutions at the variant's own words; around those, the variant, which holds it word
    for word, wins (both implementations), so every token points at the same word."""
    texts = [text for _, text in licence_variant_copied()]
    fast, slow = _both(texts, "first")
    assert np.array_equal(fast, slow)
    s = sign.sign(texts, Config())
    two = int(s.doc_tokens[2])
    copy = fast[two:]
    assert (copy >= 0).all()
    assert np.array_equal(s.tok_exact[copy], s.tok_exact[two:])


WORDS = st.sampled_from(
    ["a", "b", "c", "d", "e", "f", "g", "h", "the", "of", "and", "copy", "text"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(WORDS, max_size=80).map(" ".join), min_size=1, max_size=6),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["first", "longest"]),
    st.integers(1, 3),
)
def test_matches_reference_on_tiny_vocabularies(
    docs: list[str], seed: int, keep: str, jobs: int
) -> None:
    """Few distinct words make many overlapping runs, periodic text and chains that compete."""
    rng = random.Random(seed)
    texts = [
        d + ("\n\n" + docs[rng.randrange(len(docs))] if rng.random() < 0.5 else "") for d in docs
    ]
    fast, slow = _both(texts, keep, jobs, shingle_size=3, min_tokens=4, max_gap=6)
    assert np.array_equal(fast, slow)


LONG_WORDS = ["Отличительные", "свойства", "реализации", "characteristics", "implementation"]


@pytest.mark.parametrize("seed", range(40))
def test_matches_reference_on_short_lines_of_long_words(seed: int) -> None:
    """Lines of a few long words (each at most once in a line) have a shingle of their own:
    both implementations align a copy of such a line alike."""
    rng = random.Random(seed)
    docs = [
        "\n".join(
            " ".join(rng.sample(LONG_WORDS, rng.randint(1, 4))) for _ in range(rng.randint(1, 6))
        )
        for _ in range(rng.randint(2, 5))
    ]
    texts = [d + "\n" + rng.choice(docs).split("\n")[0] for d in docs]
    fast, slow = _both(texts, "first")
    assert np.array_equal(fast, slow)


def test_a_line_of_a_few_long_words_copied_whole_aligns_alone() -> None:
    line = "Отличительные свойства данной реализации:"
    texts = [f"Первая страница.\n{line}\nИ конец.\n", f"Вторая страница.\n{line}\nИной конец.\n"]
    fast, slow = _both(texts, "first")
    assert np.array_equal(fast, slow)
    s = sign.sign(texts, Config())
    second = fast[int(s.doc_tokens[1]) :]
    assert (second >= 0).sum() == 4  # the line's four tokens, and nothing around them


def test_a_passage_of_whole_lines_outranks_an_earlier_one_of_the_same_words() -> None:
    """Where the seeds of two passages that both count meet, the one that copies whole lines as
    whole lines wins its whole span, however early the other's source: a sidebar's lines cite
    a page with the same sidebar, not an index that holds their words laid out otherwise."""
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
    ]
    lines = [" ".join(f"{w}{'abcdef'[i]}" for w in words[i : i + 7]) for i in range(6)]
    index = "Index of everything: " + " ".join(lines) + " and more words after it.\n"
    sidebar = "\n".join(lines) + "\n"
    texts = [index, sidebar, sidebar]
    config = Config()
    s = sign.sign(texts, config)
    first = first_occurrences(s.shingles)
    k = config.shingle_size
    # The shingles that start in lines 2 and 3 of the last page first stood in the sidebar of
    # the page before it (as if the index broke them up), the others in the index.
    page, before = int(s.doc_tokens[2]), int(s.doc_tokens[1])
    for t in range(page + 2 * 7, page + 4 * 7):
        first[t] = before + t - page
    blocks = (s.blk_t0[s.blk_t1 > s.blk_t0], s.blk_t1[s.blk_t1 > s.blk_t0])
    edges = detect.block_edges(*blocks, 0, len(s.tok_start))
    aligned = detect.align(
        first,
        s.doc_tokens,
        s.tok_hash,
        s.tok_exact,
        edges,
        spans=(s.tok_start, s.tok_end),
        sentences=s.tok_sentence,
        formulas=np.zeros(0, np.uint64),
        k=k,
        min_tokens=config.min_tokens,
        max_gap=30,
    )
    positions = np.flatnonzero(s.shingles != 0)
    reference = reference_detect.align(
        positions,
        first[positions],
        s.doc_tokens,
        s.tok_hash,
        s.tok_exact,
        blocks,
        spans=(s.tok_start, s.tok_end),
        sentences=s.tok_sentence,
        formulas=np.zeros(0, np.uint64),
        k=k,
        min_tokens=config.min_tokens,
        max_gap=30,
    )
    assert np.array_equal(aligned, reference)
    line2 = aligned[page + 2 * 7 : page + 3 * 7]
    assert ((line2 >= before) & (line2 < page)).all(), "line 2 cites the other sidebar whole"


def _aligned_words(texts: list[str], doc: int, phrase: str) -> list[bool]:
    """Whether each token of ``phrase`` in document ``doc`` is aligned (default options)."""
    s = sign.sign(texts, Config())
    fast, slow = _both(texts, "first")
    assert np.array_equal(fast, slow)
    at = texts[doc].index(phrase)
    lo, hi = int(s.doc_tokens[doc]), int(s.doc_tokens[doc + 1])
    inside = (s.tok_start[lo:hi] >= at) & (s.tok_end[lo:hi] <= at + len(phrase))
    return (fast[lo:hi][inside] >= 0).tolist()


def test_a_short_passage_is_marked_only_where_it_may_stand_as_a_copy() -> None:
    """Six words of 34 characters shared from the middle of a sentence, inside other text, are
    no copy deciding could keep: left out. The same words as a whole sentence there, pasted
    into another page, or as a whole line of it, are marked."""
    phrase = "every queued job until the spooler"
    source = f"The printer keeps {phrase} restarts after midnight.\n"
    inside = f"Our notes say {phrase} gets cleared by hand.\n"
    assert not any(_aligned_words([source, inside], 1, phrase))
    sentence = f"It keeps going. {phrase.capitalize()}.\n"
    pasted = f"Our notes say so. {phrase.capitalize()}. Then more follows.\n"
    assert all(_aligned_words([sentence, pasted], 1, phrase.capitalize()))
    line = f"Our notes say so.\n{phrase}\nThen more follows.\n"
    assert all(_aligned_words([source, line], 1, phrase))
