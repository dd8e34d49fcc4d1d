"""Property-based tests: the provenance invariants hold on generated corpora with planted copies."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs
from tests.helpers.corpus import prose_paragraphs
from tests.helpers.invariants import check
from tests.helpers.noise import KINDS

PARAGRAPHS = prose_paragraphs()
NEWLINES = ["\n", "\r\n", "\n\n", "\r", "\n   \n"]


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Documents of real paragraphs (whole or cut into lines), with noisy copies planted."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    n_docs = draw(st.integers(1, 5))
    docs: list[list[str]] = []
    for _ in range(n_docs):
        parts = []
        for _ in range(draw(st.integers(0, 6))):
            roll = rng.random()
            if (roll < 0.35 and any(docs)) or (roll < 0.35 and parts):
                pool = [p for d in docs for p in d] + parts
                kind = rng.choice(sorted(KINDS))
                parts.append(KINDS[kind](rng.choice(pool), rng))
            elif roll < 0.45:
                parts.append(
                    rng.choice(["Reply", "Delete", "Share this", "Yours sincerely", "", "  --  "])
                )
            elif roll < 0.55 and parts:
                parts.append(parts[-1])  # a repeat
            else:
                parts.append(rng.choice(PARAGRAPHS))
        docs.append(parts)
    return [
        (f"doc{i:02d}", "".join(p + rng.choice(NEWLINES) for p in parts))
        for i, parts in enumerate(docs)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpora(),
    st.sampled_from(["line", "paragraph"]),
    st.sampled_from(["first", "longest"]),
    st.integers(1, 3),
)
def test_invariants_hold(docs: list[tuple[str, str]], unit: str, keep: str, jobs: int) -> None:
    """The invariants hold, and a rerun on ``jobs`` threads (detect and decide cut into
    parts) gives the same output."""
    cleaned = dedupe_docs.clean(docs, unit=unit, keep=keep)
    check(dict(docs), cleaned, dedupe_docs.Config().threshold)
    again = dedupe_docs.clean(docs, unit=unit, keep=keep, jobs=jobs)
    assert [(c.text, c.provenance()) for c in again] == [(c.text, c.provenance()) for c in cleaned]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=4), st.integers(2, 8))
def test_invariants_hold_on_arbitrary_text(texts: list[str], k: int) -> None:
    docs = [(f"t{i}", t) for i, t in enumerate(texts)]
    docs += [(f"copy{i}", t.upper() + "\n" + t) for i, t in enumerate(texts)]
    cleaned = dedupe_docs.clean(docs, shingle_size=k, min_tokens=3)
    check(dict(docs), cleaned, dedupe_docs.Config().threshold)
