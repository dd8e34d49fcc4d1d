"""Against a brute-force reference: after cleaning, no run of ``min_tokens + 2 * (shingle_size -
1)`` words that the output keeps (inside one kept span) equals a run of words that survives
earlier in the corpus. (At each line break a copy may keep fewer than ``shingle_size`` words:
the tail of a shingle across the break is no evidence that the words after it were copied.)
Small generated corpora of a few dozen words, with exact copies of word runs planted across and
inside documents, lines and sentences."""

from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs

WORDS = [f"{a}{b}" for a in "bcdfghjklm" for b in "aeiou"]  # 50 distinct words per document
CONFIG = dedupe_docs.Config(min_tokens=8, shingle_size=3, boilerplate_max_tokens=0)
_TOKEN = regex.compile(r"\w+")


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[str, str]]:
    """3-6 documents of lines of words ending in full stops; into some, a run of an earlier
    document's own words is pasted. Left out, as known limits: a copy of text that was itself
    pasted from elsewhere, a copy beside its own source in one document, and a copy of words
    that a paste split in its source (a removal cites one stretch of its source; where that
    stretch did not survive whole, the copy stays)."""
    words: list[list[str]] = []
    own: list[list[str]] = []  # stretches of the documents' own words, copies left out
    for d in range(draw(st.integers(3, 6))):
        # Words of a document's own (distinct, and not another document's): its only repeats
        # are the copies; periodic text ("ha ha ha") is no copy by design.
        mine = [f"{word}{'qxzvwy'[d]}" for word in WORDS]
        doc = draw(st.permutations(mine))[: draw(st.integers(10, len(mine)))]
        if own and draw(st.booleans()):
            source = draw(st.sampled_from(own))
            start = draw(st.integers(0, max(len(source) - 8, 0)))
            run = source[start : start + draw(st.integers(8, 30))]
            at = draw(st.integers(0, len(doc)))
            own += [doc[:at], doc[at:]]  # each side of the paste is a stretch of own words
            doc = doc[:at] + run + doc[at:]
        else:
            own.append(doc)
        words.append(doc)
    docs = []
    for d, doc in enumerate(words):
        cuts = draw(st.lists(st.integers(1, len(doc)), max_size=len(doc) // 4, unique=True))
        text, last = [], 0
        for cut in sorted(cuts):
            text.append(" ".join(doc[last:cut]) + draw(st.sampled_from([".", ". ", "\n", ".\n"])))
            last = cut
        text.append(" ".join(doc[last:]) + ".\n")
        docs.append((f"d{d}", " ".join(t.strip(" ") for t in text)))
    return docs


def kept_runs(
    text: str, cleaned: dedupe_docs.CleanedDocument, n: int
) -> list[tuple[int, tuple[str, ...]]]:
    """Every run of ``n`` words inside one kept span, with the offset where it starts."""
    out = []
    for k in cleaned.kept:
        found = [(m.start(), m.group()) for m in _TOKEN.finditer(text, k.start, k.end)]
        for i in range(len(found) - n + 1):
            out.append((found[i][0], tuple(w for _, w in found[i : i + n])))
    return out


def check_no_kept_copy(docs: list[tuple[str, str]]) -> None:
    cleaned = dedupe_docs.clean(docs, CONFIG)
    n = CONFIG.min_tokens + 2 * (CONFIG.shingle_size - 1)
    surviving: set[tuple[str, ...]] = set()
    for (doc_id, text), c in zip(docs, cleaned, strict=True):
        runs = kept_runs(text, c, n)
        for at, run in runs:
            assert run not in surviving, (doc_id, at, " ".join(run))
        # Runs of this document count for its own later text once they end before it starts.
        ends = sorted((at + len(" ".join(run)), run) for at, run in runs)
        starts = sorted(runs)
        i = 0
        own: set[tuple[str, ...]] = set()
        for at, run in starts:
            while i < len(ends) and ends[i][0] <= at:
                own.add(ends[i][1])
                i += 1
            assert run not in own, (doc_id, at, " ".join(run), "repeats its own document")
        surviving |= {run for _, run in runs}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=corpora())
def test_no_kept_run_repeats_surviving_text(docs: list[tuple[str, str]]) -> None:
    check_no_kept_copy(docs)


@pytest.mark.slow
@settings(
    max_examples=20_000,
    deadline=None,
    derandomize=True,  # the same 20,000 corpora on every run: CI checks what was checked here
    suppress_health_check=[HealthCheck.too_slow],
)
@given(docs=corpora())
def test_no_kept_run_repeats_surviving_text_in_20_000_corpora(
    docs: list[tuple[str, str]],
) -> None:
    check_no_kept_copy(docs)


def test_short_words_one_letter_apart_do_not_continue_a_copy() -> None:
    # ``dix dox`` before a copy of d0's ``duq ...`` are one letter from d0's ``diq doq``: words
    # of three letters that all differ are other words, not typos; taken as typos they went,
    # and d2's copy of d1's line, now citing removed text, came back whole (found by the
    # 20,000-corpus run).
    check_no_kept_copy(
        [
            (
                "d0",
                "baq beq biq boq buq caq ceq ciq coq cuq daq deq diq doq duq faq feq fiq foq fuq gaq geq.\n",
            ),
            (
                "d1",
                "bax bex bix box bux cax cex cix cox cux dax dex. dix dox duq faq feq fiq foq fuq gaq geq.\n",
            ),
            (
                "d2",
                "bax bex bix box bux cax cex cix cox cux dax dex dix baz bez biz boz buz caz cez ciz coz cuz.\n",
            ),
        ]
    )
