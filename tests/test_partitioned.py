"""The pieces that keep per-token and per-block columns off the Ray driver, against the whole
corpus functions they stand for: template keys counted by groups of top bits over parts, the
index read back by token range, and decisions with their kept runs joined."""

from __future__ import annotations

import itertools
import random

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedupe_docs.config import Config
from dedupe_docs.drivers.memory import _blocks_of, _settle_parts
from dedupe_docs.stages import boilerplate, decide, detect, index, settle, sign
from tests.helpers.corpus import planted
from tests.test_brute import CONFIG, corpora


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
    sentences = boilerplate.sentence_rows(whole)
    want = boilerplate.boilerplate_set(keys, blk_doc, sentences, whole.n_docs, config)
    groups, numbers, base = [], [], 0
    for part, gone in zip(parts, dropped, strict=True):
        s = sign.sign(part, config)
        part_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
        keys = boilerplate.boilerplate_keys(s, config)
        groups.append(boilerplate.key_groups(keys, part_doc, boilerplate.sentence_rows(s), 3))
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
    sentences = boilerplate.sentence_rows(s)
    templates = boilerplate.boilerplate_set(keys, blk_doc, sentences, s.n_docs, config)
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
    texts, _ = _corpus(paragraphs, seed)
    config = Config()
    units = _units(texts, config)
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


class _Texts:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def chars(self, d: int, start: int, end: int) -> str:
        return self.texts[d][start:end]


def _units(texts: list[str], config: Config) -> decide.Units:
    s = sign.sign(texts, config)
    keys = boilerplate.boilerplate_keys(s, config)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    sentences = boilerplate.sentence_rows(s)
    templates = boilerplate.boilerplate_set(keys, blk_doc, sentences, s.n_docs, config)
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
        formulas=templates,
        k=config.shingle_size,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
    )
    template = boilerplate.template_blocks(keys, templates, s.blk_t1 - s.blk_t0, config)
    return decide.decide(s, texts, aligned, template, config, common=templates)


def _settled_by_ranges(texts: list[str], config: Config, cuts: list[int]) -> None:
    """Settled by :func:`_settle_parts` over the ranges of documents between ``cuts``, the
    kept runs joined: the removals and kept spans of :func:`settle.settle` of the whole."""
    units = _units(texts, config)
    lengths = np.array([len(t) for t in texts], np.int64)
    store = _Texts(texts)
    want_units, want_spans, _ = settle.settle(units, lengths, config.min_tokens, store.chars)
    want = settle.merge_removals(want_units, want_spans, lengths)
    joined = settle.joined_kept(units)
    at = np.searchsorted(joined.doc, cuts)
    parts = [joined.take(np.arange(a, b)) for a, b in itertools.pairwise(at.tolist())]
    n, removed, spans = _settle_parts(parts, lengths, store, config.evolve(jobs=2))
    assert n == len(removed.doc)
    _same(spans, want_spans)
    _same(removed, want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=corpora(), data=st.data())
def test_settled_by_ranges_of_documents_pass_by_pass_is_the_corpus_settled(
    docs: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Copies of copies (cited through copies, trimmed, restored) settled by ranges."""
    texts = [t for _, t in docs]
    inner = data.draw(st.lists(st.integers(1, len(texts) - 1), max_size=3, unique=True))
    _settled_by_ranges(texts, CONFIG, [0, *sorted(inner), len(texts)])


_CITED = [
    "baq beq biq boq buq caq ceq ciq coq cuq.\n",
    "baq beq biq boq buq caq ceq ciq bax bex bix box bux cax cex cix cox cux.\n",
    "beq biq boq buq caq ceq ciq bax bex baz bez biz boz buz caz cez ciz coz cuz.\n",
    "bav bev biv bov buv cav cev civ cov cuv.\n",
    "beq biq boq buq caq ceq ciq bax bex baz bez biz baw bew biw bow buw caw cew ciw cow.\n",
]
"""d2 and d4 cite d1, whose copy of d0 goes."""


@pytest.mark.parametrize("cuts", [[0, 5], [0, 1, 2, 3, 4, 5], [0, 2, 5]])
def test_a_copy_cited_through_copies_in_other_ranges(cuts: list[int]) -> None:
    """d2 and d4 cite d1, whose copy of d0 goes: each is cited through it, ranges apart."""
    _settled_by_ranges(_CITED, CONFIG, cuts)


_A = "baq beq biq boq buq caq ceq ciq coq cuq daq deq diq doq duq"
_A2 = _A.replace("boq", "bog")  # a copy with a typo: removed, but no word-for-word copy
_Q = "bax bex bix box bux cax cex cix cox cux dax dex dix dox dux"


@pytest.mark.parametrize(
    "texts",
    [
        [f"{_A}.\n", f"{_A2} {_Q}.\n", "zzz yyy.\n", f"{_A2} {_Q}.\n"],
        [f"{_A}.\n", f"{_A2}. {_Q}.\n", f"{_A2}. {_Q}.\n"],
    ],
)
@pytest.mark.parametrize("whole", [True, False])
def test_a_copy_trimmed_to_what_survives_of_its_source_in_another_range(
    texts: list[str], whole: bool
) -> None:
    """The last document copies the second, whose start went as a fuzzy copy of the first:
    the copy is trimmed to the source's end that survives."""
    cuts = [0, len(texts)] if whole else list(range(len(texts) + 1))
    _settled_by_ranges(texts, CONFIG, cuts)


@pytest.mark.parametrize("seed", range(3))
def test_planted_corpus_settled_by_ranges(paragraphs: list[str], seed: int) -> None:
    texts, s = _corpus(paragraphs, seed)
    rng = random.Random(seed)
    cuts = [0, *sorted(rng.sample(range(1, s.n_docs), 5)), s.n_docs]
    _settled_by_ranges(texts, Config(), cuts)


def _same(got: settle.Spans | decide.Units, want: settle.Spans | decide.Units) -> None:
    for field in attrs.fields(type(want)):
        a, b = getattr(got, field.name), getattr(want, field.name)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field.name


@pytest.mark.parametrize("seed", range(3))
def test_a_range_s_template_keys_from_its_own_tokens_are_the_corpus_keys(
    paragraphs: list[str], seed: int
) -> None:
    """A decision task's template keys, made from its range's tokens only
    (``memory._own_tokens``), are the whole corpus's keys of that range's blocks."""
    from dedupe_docs.drivers.memory import _own_tokens

    texts, s = _corpus(paragraphs, seed, chrome=[12, 70, 100][seed])
    config = Config(boilerplate_min_docs=3)
    want = boilerplate.boilerplate_keys(s, config)
    cuts = sorted(random.Random(seed).sample(range(1, len(texts)), 3))
    for d0, d1 in itertools.pairwise([0, *cuts, len(texts)]):
        b0, b1 = int(s.doc_blocks[d0]), int(s.doc_blocks[d1])
        got = boilerplate.boilerplate_keys(_own_tokens(_blocks_of(s, d0, d1), d0, d1), config)
        np.testing.assert_array_equal(got, want[b0:b1])


def test_a_task_s_texts_read_other_documents_passages_as_slices_of_their_texts() -> None:
    """``Texts`` of a range: its own documents whole, the others' passages as slices of their
    texts (every width, across the read tasks' stores, a document dropped)."""
    from dedupe_docs.drivers.texts import TextStore, TextStores

    texts = ["plain ascii", "café “quoted”", "emoji 🙂 here", "", "more—text", "last one"]
    parts = [TextStore.of(texts[:3]), TextStore.of(["dropped", *texts[3:]])]
    stores = TextStores(parts, np.array([0, 3, 6]), [None, np.array([1, 2, 3])])
    for store in (TextStore.of(texts), stores):
        view = store.view(2, 4)
        assert view[2] == texts[2] and view[3] == texts[3] and len(view) == len(texts)
        for d in (0, 1, 4, 5):
            t = texts[d]
            for a, b in [(0, len(t)), (1, 4), (3, 100), (5, 2), (-3, None)]:
                assert view[d][a:b] == t[a:b], (d, a, b)


@pytest.mark.parametrize("seed", range(2))
def test_settled_by_ranges_joined_from_the_decision_ranges(
    paragraphs: list[str], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling joins consecutive decision ranges into fewer (``SETTLE_RANGES`` per job):
    still the corpus settled."""
    from dedupe_docs.drivers import memory

    monkeypatch.setattr(memory, "SETTLE_RANGES", 1)  # two ranges of the parts, with jobs=2
    texts, s = _corpus(paragraphs, seed)
    rng = random.Random(seed)
    cuts = [0, *sorted(rng.sample(range(1, s.n_docs), 6)), s.n_docs]
    _settled_by_ranges(texts, Config(), cuts)
    _settled_by_ranges(_CITED, CONFIG, [0, 1, 2, 3, 4, 5])  # joined into two ranges
