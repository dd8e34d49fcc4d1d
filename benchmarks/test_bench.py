"""Fast checks of the generator and the scorer (run: pytest benchmarks/test_bench.py).

Why: a wrong gold span or a lenient scorer would make every benchmark number meaningless.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import gate, measure, noise
from benchmarks.corpus import generate
from benchmarks.score import iter_docs, load_by_id, score

POOL = [[f"Paragraph {i} tells of {w} things: the {w} clock struck {i} times, so the",
         f"{w} keeper wound it again. Nobody in the {w} town had heard it {i} times before.",
         f"Then the {w} bell rang once more."] for i, w in
        enumerate(f"{a}{b}" for a in "bcdfghjklmnp" for b in ("ashton", "erling", "ordell"))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("c") / "corpus"
    pool = out.parent / "pool.txt"
    pool.write_text("\n\n".join("\n".join(p) for p in POOL * 1) + "\n")
    generate(out, 60_000, seed=3, pool_path=pool)
    return out


def test_gold_spans_point_at_planted_text(corpus: Path) -> None:
    texts = dict(iter_docs(corpus))
    gold = [g for recs in load_by_id(corpus / "gold.jsonl", None).values() for g in recs]
    assert {g["kind"] for g in gold} >= {"exact", "doubled", "typos", "mosaic", "mosaic_new"}
    for g in gold:
        text = texts[g["id"]]
        copy = text[g["start"] : g["end"]]
        assert copy.strip() and not copy[0].isspace()
        if g["kind"] in ("mosaic", "mosaic_new"):  # sentences of a paragraph
            assert text[g["start"] - 1] in " \n" and text[g["end"] : g["end"] + 1] in " \n"
            if g["kind"] == "mosaic":
                src = g["source"]
                assert copy.split() == texts[src["id"]][src["start"] : src["end"]].split()
                assert src["id"] < g["id"]
            continue
        assert g["start"] == 0 or text[g["start"] - 1] == "\n"  # whole lines
        assert text[g["end"] : g["end"] + 1] in ("\n", "")
        if g["kind"] == "exact":
            src = g["source"]
            assert copy == texts[src["id"]][src["start"] : src["end"]]
            assert (src["id"], src["start"]) < (g["id"], g["start"])


def _write(path: Path, gold_recs: dict[str, list[dict]], extra: dict | None = None) -> Path:
    with path.open("w") as f:
        for doc_id, recs in gold_recs.items():
            removed = []
            for g in recs:
                if g["kind"] in ("trap", "mosaic_new"):
                    continue
                pieces, pos = [], g["start"]
                for s, e in g["exclude"]:
                    pieces.append((pos, s))
                    pos = e
                pieces.append((pos, g["end"]))
                removed += [{"start": s, "end": e, "reason": "duplicate", "source": g["source"]}
                            for s, e in pieces]
            if extra and doc_id == extra["id"]:
                removed.append(extra)
            f.write(json.dumps({"id": doc_id, "removed": removed}) + "\n")
    return path


def test_scorer_perfect_and_wrong(corpus: Path, tmp_path: Path) -> None:
    gold = load_by_id(corpus / "gold.jsonl", None)
    perfect = score(corpus, _write(tmp_path / "p.jsonl", gold))
    assert perfect["precision"] == perfect["recall"] == 1.0
    assert perfect["content_loss_lines"] == 0 and perfect["source_match"] == 1.0
    trap = next(g for recs in gold.values() for g in recs if g["kind"] == "trap")
    wrong = {"id": trap["id"], "start": trap["start"], "end": trap["end"], "reason": "duplicate",
             "source": None}
    worse = score(corpus, _write(tmp_path / "w.jsonl", gold, wrong))
    assert worse["precision"] < 1.0 and worse["recall"] == 1.0
    assert worse["content_loss_lines"] >= 1 and worse["per_kind"]["trap"]["share"] > 0
    none = score(corpus, _write(tmp_path / "n.jsonl", {}))
    assert none["recall"] == 0.0


def test_mosaics_are_scored_apart_and_not_gated(corpus: Path, tmp_path: Path) -> None:
    """A tool that keeps every mosaic loses recall, but not the recall the gate reads."""
    gold = load_by_id(corpus / "gold.jsonl", None)
    no_mosaic = {i: [g for g in recs if g["kind"] != "mosaic"] for i, recs in gold.items()}
    s = score(corpus, _write(tmp_path / "m.jsonl", no_mosaic))
    assert s["recall"] < 1.0 and s["per_kind"]["mosaic"]["share"] == 0.0
    assert s["without_mosaic"]["recall"] == s["without_mosaic"]["precision"] == 1.0
    assert (gate.check(s) == []) == (not gate.GATE_MOSAIC)
    new = next(g for recs in gold.values() for g in recs if g["kind"] == "mosaic_new")
    whole = {"id": new["id"], "start": new["start"], "end": new["end"], "reason": "duplicate",
             "source": None}
    s = score(corpus, _write(tmp_path / "w.jsonl", gold, whole))
    assert s["precision"] < 1.0 and s["per_kind"]["mosaic_new"]["share"] > 0


def test_noise_kinds_keep_lines() -> None:
    import random

    text = "It's a \"quoted\" line -- with dashes.\nAnd a second line, with more words."
    rng = random.Random(0)
    assert noise.doubled("ab c", rng) == "aabb  cc"
    for name, fn in noise.NOISE.items():
        if name != "dropped_sentence":
            assert fn(text, rng).strip(), name


def test_a_measured_run_reports_its_memory_cpu_time_and_page_faults(tmp_path: Path) -> None:
    """The numbers the bounded-memory table shows come from the child that ran."""
    work = "import time; data = b'x' * (64 << 20); time.sleep(0.3)"
    m = measure.run([sys.executable, "-c", work], timeout=60, log=tmp_path / "run.log")
    assert m["rc"] == 0
    assert m["peak_rss_mb"] >= 64
    assert m["page_faults"] > 0
    assert m["user_s"] + m["system_s"] > 0


def test_a_footnote_or_a_sidebar_directive_inside_the_main_content_is_body() -> None:
    """Sphinx writes footnotes as ``<aside class="footnote">`` inside ``role="main"``: the
    page's own text, not the site's; an ``aside`` outside the main content stays chrome."""
    from benchmarks.real.scrape import scrape

    html = (
        '<div class="sphinxsidebar"><p>Site navigation</p></div>'
        '<div class="body" role="main"><p>Text.</p>'
        '<aside class="footnote brackets" role="note"><span>[1]</span><p>A note.</p></aside>'
        '<aside class="sidebar"><p>Directives</p></aside></div><aside><p>Related</p></aside>'
    )
    text, gold = scrape(html)
    labels = {text[s:e]: label for s, e, label in gold}
    assert labels == {
        "Site navigation": "chrome",
        "Text.": "body",
        "[1]": "body",
        "A note.": "body",
        "Directives": "body",
        "Related": "chrome",
    }
