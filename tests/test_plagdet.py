"""PlagDet (benchmarks/reuse/plagdet.py) against hand-worked examples, and the reuse generator's
gold against the text it generated.

Why: every number of the text-reuse benchmark goes through these; a lenient measure or a gold
span off by a character would make them meaningless.
"""

from __future__ import annotations

import itertools
import math
import random
import textwrap

import pytest

from benchmarks.reuse import generate, ngrams, obfuscate, score
from benchmarks.reuse.plagdet import Alignment, character_scores
from benchmarks.reuse.plagdet import score as plagdet
from benchmarks.reuse.thesaurus import Thesaurus


def A(doc: str, start: int, end: int, src: str, s0: int, s1: int) -> Alignment:
    return Alignment(doc, start, end, src, s0, s1)


CASE = A("s", 0, 100, "t", 0, 100)


def test_perfect_detection() -> None:
    s = plagdet([CASE], [CASE])
    assert (s.precision, s.recall, s.granularity, s.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_half_detected() -> None:
    # |s ⊓ r| = 50 + 50 of |s| = 200: recall 0.5; all of r is gold: precision 1
    s = plagdet([CASE], [A("s", 0, 50, "t", 0, 50)])
    assert (s.precision, s.recall, s.granularity) == (1.0, 0.5, 1.0)
    assert s.plagdet == pytest.approx(2 * 0.5 / 1.5)


def test_two_pieces_cost_granularity() -> None:
    s = plagdet([CASE], [A("s", 0, 50, "t", 0, 50), A("s", 50, 100, "t", 50, 100)])
    assert (s.precision, s.recall, s.granularity) == (1.0, 1.0, 2.0)
    assert s.plagdet == pytest.approx(1 / math.log2(3))


def test_overlapping_detections_count_characters_once() -> None:
    s = plagdet([CASE], [A("s", 0, 60, "t", 0, 60), A("s", 40, 100, "t", 40, 100)])
    assert (s.precision, s.recall, s.granularity) == (1.0, 1.0, 2.0)


def test_detection_longer_than_the_case() -> None:
    # case 100 + 100 chars; detection 150 + 150, of which 100 + 100 are gold: precision 2/3
    case = A("s", 100, 200, "t", 0, 100)
    s = plagdet([case], [A("s", 50, 200, "t", 0, 150)])
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == 1.0
    assert s.plagdet == pytest.approx(0.8)


def test_wrong_source_document_or_span_detects_nothing() -> None:
    for wrong in (A("s", 0, 100, "u", 0, 100), A("s", 0, 100, "t", 500, 600)):
        s = plagdet([CASE], [wrong])
        assert (s.precision, s.recall, s.plagdet, s.detected_cases) == (0.0, 0.0, 0.0, 0)


def test_one_detection_over_two_cases() -> None:
    # r = 300 + 600 characters; it overlaps the two cases by 100 + 100 each: precision 400/900
    cases = [A("s", 0, 100, "t", 0, 100), A("s", 200, 300, "t", 500, 600)]
    s = plagdet(cases, [A("s", 0, 300, "t", 0, 600)])
    assert s.precision == pytest.approx(4 / 9)
    assert (s.recall, s.granularity) == (1.0, 1.0)
    assert s.plagdet == pytest.approx(8 / 13)


def test_macro_averages_over_cases_and_detections() -> None:
    # case 1 found exactly, case 2 missed, one detection of nothing
    other = A("s2", 0, 100, "t2", 0, 100)
    s = plagdet([CASE, other], [CASE, A("s3", 0, 10, "t", 0, 10)])
    assert (s.precision, s.recall, s.granularity, s.plagdet) == (0.5, 0.5, 1.0, 0.5)


def test_empty_sides() -> None:
    assert plagdet([], []).plagdet == 1.0
    assert plagdet([CASE], []).recall == 0.0
    assert plagdet([], [CASE]).precision == 0.0
    assert plagdet([CASE], [A("s", 5, 5, "t", 5, 5)]).detections == 0  # empty: ignored


def test_character_scores() -> None:
    # gold 10..30 (source t) and 40..50 (source u); detections 0..20 citing t, 40..60 citing t
    cases = [A("s", 10, 30, "t", 0, 20), A("s", 40, 50, "u", 0, 10)]
    dets = [A("s", 0, 20, "t", 0, 20), A("s", 40, 60, "t", 30, 50)]
    c = character_scores(cases, dets)
    assert (c.detected, c.gold, c.correct, c.right_source) == (40, 30, 20, 10)
    assert (c.precision, c.recall, c.source_accuracy) == (0.5, 20 / 30, 0.5)


def test_evaluate_splits_detections_by_the_kind_of_their_document() -> None:
    docs = [
        {"id": "src", "text": "", "role": "source", "kind": None},
        {"id": "a", "text": "", "role": "suspicious", "kind": "verbatim"},
        {"id": "b", "text": "", "role": "suspicious", "kind": "random"},
    ]
    gold = [
        {
            "id": "a",
            "start": 0,
            "end": 10,
            "kind": "verbatim",
            "source": {"id": "src", "start": 0, "end": 10},
        },
        {
            "id": "b",
            "start": 0,
            "end": 10,
            "kind": "random",
            "source": {"id": "src", "start": 20, "end": 30},
        },
    ]
    dets = [A("a", 0, 10, "src", 0, 10), A("src", 40, 50, "src", 60, 70)]
    out = score.evaluate(docs, gold, dets)
    assert out["verbatim"]["plagdet"] == 1.0
    assert out["random"]["recall"] == 0.0 and out["random"]["detections"] == 0
    assert out["random"]["missed_cases"] == 1
    assert out["whole"]["precision"] == 0.5 and out["whole"]["recall"] == 0.5
    assert out["none"]["detections"] == 1


# --------------------------------------------------------------------------- generator

WORDS = [
    *[
        "river",
        "stone",
        "garden",
        "window",
        "letter",
        "market",
        "silver",
        "winter",
        "candle",
        "harbor",
        "forest",
        "meadow",
    ],
    *[
        "lantern",
        "pepper",
        "copper",
        "ribbon",
        "saddle",
        "violin",
        "marble",
        "thunder",
        "orchard",
        "pillow",
        "basket",
    ],
]


def _pool(pages: int = 40, per_page: int = 6) -> list[tuple[str, str]]:
    rng = random.Random(0)
    out = []
    for p in range(pages):
        for _ in range(per_page):
            sentences = [
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
                for _ in range(rng.randint(3, 6))
            ]
            out.append((f"page{p}", " ".join(sentences)))
    return out


def _thesaurus() -> Thesaurus:
    senses = {(w, "n"): (i,) for i, w in enumerate(WORDS)}
    synsets = {i: (w, WORDS[(i + 1) % len(WORDS)]) for i, w in enumerate(WORDS)}
    return Thesaurus(senses, synsets, {}, dict.fromkeys(senses, 5), {}, frozenset())


SMALL = generate.Settings(
    source_words=(300, 600),
    suspicious_words=(100, 300),
    passage_words=(50, 150),
    summary_words=(60, 150),
)


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], list[dict]]:
    return generate.generate(_pool(), _thesaurus(), seed=4, settings=SMALL)


def test_generator_is_deterministic(corpus: tuple[list[dict], list[dict]]) -> None:
    again = generate.generate(_pool(), _thesaurus(), seed=4, settings=SMALL)
    assert again == corpus
    assert generate.generate(_pool(), _thesaurus(), seed=5, settings=SMALL) != corpus


def test_gold_spans_point_at_the_pasted_words(corpus: tuple[list[dict], list[dict]]) -> None:
    docs, gold = corpus
    texts = {d["id"]: d["text"] for d in docs}
    ids = [d["id"] for d in docs]
    assert ids == sorted(ids)  # sources first, as a run reads them
    assert {g["kind"] for g in gold} == set(generate.KINDS)
    by_source: dict[str, list[tuple[int, int]]] = {}
    for g in gold:
        text, src = texts[g["id"]], g["source"]
        mine, theirs = text[g["start"] : g["end"]], texts[src["id"]][src["start"] : src["end"]]
        for piece in (mine, theirs):
            assert piece and not piece[0].isspace() and not piece[-1].isspace()
        assert g["start"] == 0 or text[g["start"] - 1].isspace()  # word boundaries
        assert g["end"] == len(text) or text[g["end"]].isspace()
        assert len(theirs.split()) == g["source_words"]
        if g["kind"] == "verbatim":
            assert mine.split() == theirs.split()
        else:
            assert mine.split() != theirs.split()
        by_source.setdefault(src["id"], []).append((src["start"], src["end"]))
    for spans in by_source.values():  # no source character is in two cases
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_layout_wraps_and_reports_word_offsets() -> None:
    text, spans = generate.layout([["one", "two", "three"], ["four"]], 8)
    assert text == "one two\nthree\n\nfour\n"
    assert [text[a:b] for a, b in spans] == ["one", "two", "three", "four"]


def test_random_operations_change_about_the_asked_share() -> None:
    rng = random.Random(1)
    words = [w for _ in range(10) for w in WORDS]
    out = obfuscate.random_operations(words, rng, _thesaurus(), ["inserted"], 0.3)
    assert out != words
    assert abs(len(out) - len(words)) < 0.3 * len(words)


def test_ngram_baseline_finds_a_rewrapped_copy() -> None:
    rng = random.Random(2)
    src = " ".join(rng.choice(WORDS) + str(i % 10) for i in range(60))
    copy = "Own Words Here. " + textwrap.fill(src.upper(), 50) + " and more of our own."
    dets = ngrams.detect([("a", src), ("b", copy)])
    assert len(dets) == 1
    d = dets[0]
    assert (d.doc, d.source, d.source_start, d.source_end) == ("b", "a", 0, len(src))
    assert copy[d.start : d.end].lower().split() == src.lower().split()
