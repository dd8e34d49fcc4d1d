"""The pieces that keep per-token and per-block columns off the Ray driver, against the whole
corpus functions they stand for: template keys counted by groups of top bits over parts, the
index read back by token range, and decisions with their kept runs joined."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from dedupe_docs.config import Config
from dedupe_docs.drivers.memory import _blocks_of
from dedupe_docs.stages import boilerplate, decide, detect, index, settle, sign
from tests.helpers.corpus import planted


def _corpus(paragraphs: list[str], seed: int, chrome: int = 12) -> tuple[list[str], sign.Signed]:
    """Planted copies, and ``chrome`` pages of a site's template (a majority of the corpus
    from 61 on: its lines then stand many times or one in from an edge in enough pages)."""
    texts = [t for _, t in planted(paragraphs, 60, seed=seed)]
    texts += [
        f"Home | News\nSite menu\nSame line {i}\nReply\nReply\nReply\nAbout\nFooter\n"
        for i in range(chrome)
    ]
    random.Random(seed).shuffle(texts)
    return texts, sign.sign(texts, Config())


@pytest.mark.parametrize("seed", range(3))
def test_templates_by_groups_of_parts_are_the_corpus_templates(
    paragraphs: list[str], seed: int
) -> None:
    """Parts of the corpus, some documents left out (a duplicate id), counted by groups:
    the template keys of the corpus of the documents kept."""
    texts, _ = _corpus(paragraphs, seed, chrome=[12, 70, 100][seed])
    rng = random.Random(seed)
    config = Config(boilerplate_min_docs=3)
    cuts = sorted(rng.sample(range(1, len(texts)), 4))
    parts = [texts[a:b] for a, b in zip([0, *cuts], [*cuts, len(texts)], strict=True)]
    dropped = [{i for i in range(len(p)) if rng.random() < 0.1} for p in parts]
    kept = [t for p, d in zip(parts, dropped, strict=True) for i, t in enumerate(p) if i not in d]
    whole = sign.sign(kept, config)
    keys = boilerplate.boilerplate_keys(whole, config)
    blk_doc = np.repeat(np.arange(whole.n_docs), np.diff(whole.doc_blocks))
    want = boilerplate.boilerplate_set(keys, blk_doc, whole.n_docs, config)
    groups, numbers, base = [], [], 0
    for part, gone in zip(parts, dropped, strict=True):
        s = sign.sign(part, config)
        part_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
        groups.append(boilerplate.key_groups(boilerplate.boilerplate_keys(s, config), part_doc, 3))
        number = np.full(len(part), -1, np.int64)
        at = [i for i in range(len(part)) if i not in gone]
        number[at] = np.arange(base, base + len(at))
        base += len(at)
        numbers.append(number)
    got = boilerplate.joined_templates(
        [
            boilerplate.group_templates([g[k] for g in groups], numbers, len(kept), config)
            for k in range(8)
        ]
    )
    assert len(want) > 0
    assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", range(2))
def test_keys_of_a_range_of_documents_are_the_corpus_keys_of_its_blocks(
    paragraphs: list[str], seed: int
) -> None:
    _, s = _corpus(paragraphs, seed)
    keys = boilerplate.boilerplate_keys(s, Config())
    for d0, d1 in [(0, 5), (5, 40), (40, s.n_docs), (3, 4)]:
        b0, b1 = int(s.doc_blocks[d0]), int(s.doc_blocks[d1])
        got = boilerplate.boilerplate_keys(_blocks_of(s, d0, d1), Config())
        assert np.array_equal(got, keys[b0:b1])


@pytest.mark.parametrize("seed", range(3))
def test_template_blocks_of_a_range_of_documents_are_the_corpus_ones(
    paragraphs: list[str], seed: int
) -> None:
    """A decision task finds its blocks' templates from its own documents' keys: a run of a
    template never crosses a document's edge."""
    _, s = _corpus(paragraphs, seed, chrome=[12, 70, 100][seed])
    config = Config(boilerplate_min_docs=3)
    keys = boilerplate.boilerplate_keys(s, config)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    templates = boilerplate.boilerplate_set(keys, blk_doc, s.n_docs, config)
    want = boilerplate.template_blocks(keys, templates, s.blk_t1 - s.blk_t0, config)
    assert want.any()
    rng = random.Random(seed)
    cuts = [0, *sorted(rng.sample(range(1, s.n_docs), 6)), s.n_docs]
    for d0, d1 in [*itertools.pairwise(cuts), (3, 4), (0, s.n_docs)]:
        b0, b1 = int(s.doc_blocks[d0]), int(s.doc_blocks[d1])
        view = _blocks_of(s, d0, d1)
        got = boilerplate.template_blocks(
            boilerplate.boilerplate_keys(view, config), templates, view.blk_t1 - view.blk_t0, config
        )
        assert np.array_equal(got, want[b0:b1])


def test_the_index_read_back_by_token_range_is_the_corpus_index(paragraphs: list[str]) -> None:
    _, s = _corpus(paragraphs, 0)
    want = index.first_occurrences(s.shingles)
    rows = index.part_groups(s.shingles)
    groups = [index._first_in_parts_sorted(([0], [None]), [r])[1] for r in rows]
    n = len(s.shingles)
    for lo, hi in [(0, n), (0, 1), (17, n // 2), (n // 2, n)]:
        assert np.array_equal(index.first_slice(groups, lo, hi, n), want[lo:hi])


@pytest.mark.parametrize("seed", range(3))
def test_kept_runs_joined_settle_the_same(paragraphs: list[str], seed: int) -> None:
    texts, s = _corpus(paragraphs, seed)
    config = Config()
    first = index.first_occurrences(s.shingles)
    nonempty = s.blk_t1 > s.blk_t0
    aligned = detect.align(
        first,
        s.doc_tokens,
        s.tok_hash,
        detect.block_edges(s.blk_t0[nonempty], s.blk_t1[nonempty], 0, len(s.tok_start)),
        k=config.shingle_size,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
    )
    keys = boilerplate.boilerplate_keys(s, config)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    templates = boilerplate.boilerplate_set(keys, blk_doc, s.n_docs, config)
    template = boilerplate.template_blocks(keys, templates, s.blk_t1 - s.blk_t0, config)
    units = decide.decide(s, texts, aligned, template, config)
    lengths = np.array([len(t) for t in texts], np.int64)
    joined = settle.joined_kept(units)
    assert len(joined.doc) < len(units.doc)

    def read(d: int, start: int, end: int) -> str:
        return texts[d][start:end]

    want_units, want_spans, _ = settle.settle(units, lengths, config.min_tokens, read)
    got_units, got_spans, _ = settle.settle(joined, lengths, config.min_tokens, read)
    for a, b in ((want_spans, got_spans),):
        for field in ("doc", "start", "end"):
            assert np.array_equal(getattr(a, field), getattr(b, field))
    want = settle.merge_removals(want_units, want_spans, lengths)
    got = settle.merge_removals(got_units, got_spans, lengths)
    for field in ("doc", "start", "end", "reason", "src_doc", "src_start", "src_end", "rule"):
        assert np.array_equal(getattr(want, field), getattr(got, field)), field
    assert np.array_equal(want.similarity, got.similarity, equal_nan=True)
