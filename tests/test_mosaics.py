"""Mosaics: an original paragraph made of sentences that each stood in an earlier document,
beside new ones (issue 20). Each copied sentence goes and cites its own source, the new text
stays: after text that ends without a mark inside a line, beside the copy of another source
whose passage grew over the first word of the next sentence, and wrapped over lines whose
source runs on with the same word."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

import dedupe_docs
from dedupe_docs import pipeline
from dedupe_docs.config import Config
from dedupe_docs.stages import decide, detect, index, sign
from dedupe_docs.stages.boilerplate import boilerplate_keys, boilerplate_set, template_blocks
from tests.helpers import invariants
from tests.reference import decide as reference_decide

_WORDS = (
    "amber basalt cobalt dune ember fjord garnet harbor iris jasper kelp lagoon marble nectar"
    " onyx pebble quartz reef saffron tundra umber violet willow xenon yarrow zephyr acorn"
    " birch cedar dahlia elm fern ginger hazel ivy juniper kale lotus maple nettle olive"
)
WORDS = _WORDS.split()
S1 = "Separately, the interactive interpreter makes the result of the last evaluation available."
S2 = "If the stop line number is greater than or equal to zero, then stop at that line."
S3 = "Unlike function objects, code objects are immutable and contain no mutable references."


def filler(rng: random.Random, words: int = 10, stop: str = ".") -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[:1].upper() + text[1:] + stop


def run(texts: dict[str, str], **options) -> dict[str, dedupe_docs.CleanedDocument]:
    cleaned = dedupe_docs.clean(list(texts.items()), **options)
    invariants.check(texts, cleaned, dedupe_docs.Config(**options).threshold)
    return {c.id: c for c in cleaned}


def gone(texts: dict[str, str], cleaned, doc: str) -> list[tuple[str, str | None]]:
    text = texts[doc]
    return [
        (" ".join(text[r.start : r.end].split()), r.source and r.source.id)
        for r in cleaned[doc].removed
    ]


def corpus(seed: int = 0) -> dict[str, str]:
    rng = random.Random(seed)
    texts = {}
    # Sources: S1 followed by a sentence that starts with the word S2 starts with ("If").
    texts["a"] = f"{filler(rng)} {S1} If {filler(rng, 9)}\n\n{filler(rng, 14)}\n"
    texts["b"] = f"{filler(rng, 12)} {S2} {filler(rng)}\n\n{filler(rng, 14)}\n"
    texts["c"] = f"{filler(rng, 12)}\n\n{filler(rng)} {S3} {filler(rng)}\n"
    # The mosaic: new text that ends without a mark, S3, new text, then S1 and S2 side by side.
    new1, new2, new3 = filler(rng, 11, ""), filler(rng, 12), filler(rng, 11)
    texts["m"] = f"{filler(rng, 13)}\n\n{new1} {S3} {new2} {S1} {S2} {new3}\n"
    return texts


@pytest.mark.parametrize("max_memory", [None, "300M"], ids=["memory", "bounded"])
def test_each_copied_sentence_of_a_mosaic_goes_citing_its_source(max_memory: str | None) -> None:
    texts = corpus()
    cleaned = run(texts, max_memory=max_memory)
    assert sorted(gone(texts, cleaned, "m")) == sorted([(S3, "c"), (S1, "a"), (S2, "b")])
    kept = cleaned["m"].text
    for new in texts["m"].split(S3)[0].split("\n\n")[1], texts["m"].rsplit(S2, 1)[1].strip():
        assert new in kept
    assert not any(cleaned[d].removed for d in "abc")


def test_a_mosaic_in_a_later_batch_of_a_persisted_index_equals_one_run(tmp_path: Path) -> None:
    texts = corpus(1)
    named = list(texts.items())
    config = dedupe_docs.Config()
    pipeline.run(named[:3], tmp_path / "out0", config, index=tmp_path / "index")
    pipeline.run(named[3:], tmp_path / "out1", config, index=tmp_path / "index")
    joint = {c.id: c for c in dedupe_docs.clean(named, config)}
    lines = (tmp_path / "out1" / "provenance.jsonl").read_text(encoding="utf-8").splitlines()
    batch = {p["id"]: p for p in map(json.loads, lines)}
    mine = [(r["start"], r["end"], r["source"]["id"]) for r in batch["m"]["removed"]]
    theirs = [(r.start, r.end, r.source.id) for r in joint["m"].removed]
    assert mine == theirs and len(mine) == 3


def test_a_wrapped_sentence_whose_source_runs_on_with_the_same_word_goes() -> None:
    """The copy wraps ``... or if that`` / ``header has ... returned. The ...``; in its
    source the sentence ends a paragraph and the next one starts with ``The``: that word on
    the source's next line does not make the sentence longer than it is."""
    rng = random.Random(7)
    sentence = (
        "If there is no Content-Type header, or if that header has no charset "
        "parameter, failobj is returned."
    )
    head, tail = sentence.split(" header has")
    texts = {
        "a": f"{filler(rng, 12)} {sentence}\n\nThe {filler(rng, 12)}\n",
        "m": (
            f"{filler(rng, 12)}\n{filler(rng, 6)} {head}\nheader has{tail} The "
            f"{filler(rng, 5)}\n{filler(rng, 12)}\n"
        ),
    }
    cleaned = run(texts)
    assert gone(texts, cleaned, "m") == [(sentence, "a")]


def test_decide_matches_the_per_block_reference_on_mosaics() -> None:
    """The batched decide and the one-block-at-a-time reference agree on mosaics."""
    texts = [*corpus(0).values(), *corpus(2).values()]
    rng = random.Random(7)
    sentence = (
        "If there is no Content-Type header, or if that header has no charset "
        "parameter, failobj is returned."
    )
    head, tail = sentence.split(" header has")
    texts.append(f"{filler(rng, 12)} {sentence}\n\nThe {filler(rng, 12)}\n")
    texts.append(f"{filler(rng, 6)} {head}\nheader has{tail} The {filler(rng, 5)}\n")
    config = Config()
    s = sign.sign(texts, config)
    first = index.first_occurrences(s.shingles)
    nonempty = s.blk_t1 > s.blk_t0
    aligned = detect.align(
        first,
        s.doc_tokens,
        s.tok_hash,
        s.tok_exact,
        detect.block_edges(s.blk_t0[nonempty], s.blk_t1[nonempty], 0, len(s.tok_start)),
        k=config.shingle_size,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
    )
    keys = boilerplate_keys(s, config)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    boilerplate = boilerplate_set(keys, blk_doc, s.n_docs, config)
    template = template_blocks(keys, boilerplate, s.blk_t1 - s.blk_t0, config)
    new = decide.decide(s, texts, aligned, template, config)
    old = reference_decide.decide(s, texts, aligned, template, config)
    for field in ("doc", "start", "end", "reason", "src_doc", "src_start", "src_end"):
        assert np.array_equal(getattr(new, field), getattr(old, field)), field
    assert np.array_equal(new.similarity, old.similarity, equal_nan=True)
    assert (new.reason == decide.DUPLICATE).sum() >= 7
