"""Golden test over the seed corpus: what goes and what stays, line by line."""

from __future__ import annotations

import collections

import pytest

import dedupe_docs
from tests.helpers.corpus import SEEDS
from tests.helpers.invariants import check

CHROME = {"Reply", "Delete", "ReplyDelete", "Replies"}


@pytest.fixture(scope="module")
def seeds() -> dict[str, tuple[str, dedupe_docs.CleanedDocument]]:
    cleaned = dedupe_docs.clean([SEEDS])
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    check(texts, cleaned, dedupe_docs.Config().threshold)
    return {c.id: (texts[c.id], c) for c in cleaned}


def removed_lines(text: str, doc: dedupe_docs.CleanedDocument) -> dict[int, str]:
    """1-based line numbers of the source lines that were removed, with their reason."""
    out = {}
    for r in doc.removed:
        first = text.count("\n", 0, r.start) + 1
        last = text.count("\n", 0, r.end) + 1
        for n in range(first, last + 1):
            out[n] = r.reason
    return out


def test_bulletin_letter_and_stutter_in_000(seeds) -> None:
    text, doc = seeds["000_44233688ec9489a4.txt"]
    lines = text.split("\n")
    gone = removed_lines(text, doc)
    # The second printing of the bulletin (lines 35-69) goes, except the two bullet points
    # that only the second printing holds.
    assert {n for n in range(35, 70) if n not in (47, 48)} <= set(gone)
    assert 47 not in gone and 48 not in gone
    assert lines[46].startswith("- The total reunification")
    # The second copy of the letter to the chief executive (lines 110-141) goes.
    assert set(range(110, 142)) <= set(gone)
    # The stuttered signature line goes once.
    assert lines[74] == lines[75] == "Napo SSW Branch Chair"
    assert gone.get(76) == "repeat" and 75 not in gone
    # Nothing else in this document.
    assert set(gone) == {n for n in range(35, 70) if n not in (47, 48)} | set(range(110, 142)) | {
        76
    }
    assert all(r.source and r.source.id == doc.id for r in doc.removed)


def test_chrome_goes_everywhere_and_nothing_else(seeds) -> None:
    for name, (text, doc) in seeds.items():
        lines = text.split("\n")
        gone = removed_lines(text, doc)
        chrome = {n for n, line in enumerate(lines, 1) if line.strip() in CHROME}
        assert chrome <= set(gone), name
        if name.startswith("000"):
            continue
        # 003 quotes the same tweet address twice (lines 81 and 149): a whole-line copy; and a
        # reader's comment (line 245) quotes a whole sentence of the article (line 214).
        copies = {149, 245} if name.startswith("003") else set()
        assert not copies or lines[148] == lines[80]
        assert set(gone) == chrome | copies, (name, {n: lines[n - 1] for n in set(gone) - chrome})
        assert all(gone[n] == "duplicate" for n in copies)
        assert all(gone[n] == "boilerplate" for n in chrome)


def test_signatures_and_closings_survive(seeds) -> None:
    kept = collections.Counter()
    for _text, doc in seeds.values():
        for line in doc.text.split("\n"):
            kept[line.strip()] += 1
    text3, doc3 = seeds["003_8645dd0ca7e34301.txt"]
    assert doc3.text.count("Andrew Hatton") == text3.count("Andrew Hatton") == 3
    assert kept["Dino Peros"] == 2
    assert kept["Yours sincerely"] >= 2  # once in 000 (the second letter went), once in 002
