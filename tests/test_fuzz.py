"""Fuzzing with hostile corpora: every provenance invariant must hold on text built from the
parts of Unicode that break naive tools, with exact and noisy copies planted at random.

The fast profile runs with the suite; ``test_fuzz_long`` (slow) cleans over 100,000 generated
documents and is the run the README reports.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs import CleanedDocument
from tests.helpers.corpus import prose_paragraphs
from tests.helpers.invariants import check
from tests.helpers.noise import KINDS

WORDS = sorted({w for p in prose_paragraphs() for w in p.split()})
# Pieces that break naive tools, each a list of "words".
HOSTILE = {
    "combining": [
        "e\u0301",
        "a\u0308\u0323",
        "Z\u0336\u0337\u0338\u0335",
        "n\u0303o\u0308",
        "\u0301",
    ],
    "rtl": ["שלום", "עולם", "مرحبا", "بالعالم", "١٢٣", "ה-2024"],
    "bidi": ["\u202eabc\u202c", "\u2066x\u2069", "\u200f", "\u200e", "\u061c", "\u202d"],
    "emoji": ["👩\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "👍🏽", "🇫🇷", "1\ufe0f\u20e3"],
    "cjk": [
        "我们今天在这里开会讨论",
        "工会的问题并且决定",
        "再次印刷公告。",
        "日本語のテキスト",
        "한국어 텍스트",
    ],
    "thai": ["ภาษาไทยไม่มีช่องว่างระหว่างคำ", "สวัสดีครับ", "ລາວ", "ខ្មែរ", "မြန်မာ"],
    "controls": ["\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\ufeff", "\u200b", "\ud800"],
    "digits": ["2024", "٣", "①", "½", "0x1F"],
}
NEWLINES = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r", "\n \t\n", "\u2028"]


def make_line(rng: random.Random, kinds: list[str]) -> str:
    roll = rng.random()
    n = (
        0
        if roll < 0.05
        else 1
        if roll < 0.15
        else rng.randint(300, 1500)
        if roll < 0.18
        else rng.randint(2, 40)
    )
    words = []
    for _ in range(n):
        pool = HOSTILE[rng.choice(kinds)] if kinds and rng.random() < 0.3 else WORDS
        words.append(rng.choice(pool))
    joiner = "" if kinds and rng.random() < 0.1 else " "
    return joiner.join(words)


def make_corpus(
    seed: int, n_docs: int, kinds: list[str], copy_rate: float
) -> list[tuple[str, str]]:
    """``n_docs`` documents of hostile lines; some lines and runs of lines are copies (exact,
    or with the noise of ``tests/helpers/noise.py``) of earlier ones, in the same or another document."""
    rng = random.Random(seed)
    lines_so_far: list[str] = []
    docs = []
    for d in range(n_docs):
        lines = []
        for _ in range(rng.randint(0, 12)):
            if lines_so_far and rng.random() < copy_rate:
                start = rng.randrange(len(lines_so_far))
                run = lines_so_far[start : start + rng.randint(1, 4)]
                kind = rng.choice(sorted(KINDS))
                lines += [KINDS[kind](line, rng) if rng.random() < 0.5 else line for line in run]
            else:
                lines.append(make_line(rng, kinds))
        lines_so_far += lines
        text = "".join(line + rng.choice(NEWLINES) for line in lines)
        if rng.random() < 0.1:
            text = text.rstrip("\r\n")  # no final newline
        docs.append((f"d{d}", text))
    return docs


corpora = st.builds(
    make_corpus,
    seed=st.integers(0, 2**32),
    n_docs=st.integers(1, 12),
    kinds=st.lists(st.sampled_from(sorted(HOSTILE)), unique=True),
    copy_rate=st.sampled_from([0.0, 0.2, 0.5, 0.8]),
)
options = st.fixed_dictionaries(
    {
        "unit": st.sampled_from(["line", "paragraph"]),
        "keep": st.sampled_from(["first", "longest"]),
        "min_tokens": st.sampled_from([3, 8, 24]),
        "shingle_size": st.sampled_from([2, 3, 5]),
        "split_sentences": st.booleans(),
    }
)


def clean_and_check(docs: list[tuple[str, str]], opts: dict[str, Any]) -> list[CleanedDocument]:
    opts = {**opts, "min_tokens": max(opts["min_tokens"], opts["shingle_size"])}
    cleaned = dedupe_docs.clean(docs, **opts)
    check(dict(docs), cleaned, dedupe_docs.Config().threshold)
    return cleaned


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora, options)
def test_fuzz_hostile_corpora(docs: list[tuple[str, str]], opts: dict[str, Any]) -> None:
    first = clean_and_check(docs, opts)
    again = clean_and_check(docs, opts)
    assert [c.provenance() for c in again] == [c.provenance() for c in first]


LONG_EXAMPLES = int(os.environ.get("DEDUPE_FUZZ_EXAMPLES", "2200"))


@pytest.mark.slow
def test_fuzz_long() -> None:
    """Over 100,000 generated documents, in batches of 40-60, every invariant checked."""
    seen = [0, 0]

    @settings(
        max_examples=LONG_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        st.builds(
            make_corpus,
            seed=st.integers(0, 2**32),
            n_docs=st.integers(40, 60),
            kinds=st.lists(st.sampled_from(sorted(HOSTILE)), unique=True),
            copy_rate=st.sampled_from([0.1, 0.3, 0.6]),
        ),
        options,
    )
    def run(docs: list[tuple[str, str]], opts: dict[str, Any]) -> None:
        clean_and_check(docs, opts)
        seen[0] += len(docs)
        seen[1] += 1

    run()
    print(f"\nlong fuzz run: {seen[1]} corpora, {seen[0]} documents, all invariants held")
    if LONG_EXAMPLES >= 2200:
        assert seen[0] >= 100_000
