"""Cleaning a new batch against a persisted index (:mod:`dedupe_docs.drivers.persist`).

The new batch is cleaned as if it came after every earlier batch in one run: its shingles are
looked up in the index, the earlier documents holding their first occurrences are re-signed
from their stored text and put first, and the usual stages run over [those + the batch] with
the earlier documents' decisions frozen (their stored units): they are never cleaned
again, and :func:`dedupe_docs.stages.settle.settle` replays their recorded history (which units were
kept from the start, which restored in which round), so the batch's removals are restored
exactly as in one run. Boilerplate counts documents over
all batches. Only ``keep="first"`` allows this (an earlier, published copy cannot give way).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.drivers import memory
from dedupe_docs.drivers.persist import UNIT_COLUMNS, Store
from dedupe_docs.runtime.arrays import distinct
from dedupe_docs.runtime.progress import Progress
from dedupe_docs.stages import boilerplate, sign
from dedupe_docs.stages.decide import BOILERPLATE, KEEP, NO_RULE, TEMPLATE, Units
from dedupe_docs.stages.settle import Copies
from dedupe_docs.types import CleanedDocument, Document


@attrs.define(eq=False)
class Prior:
    """The earlier documents a batch needs, and what the run learns for the index."""

    docs: list[Document]
    batches: list[str]
    nums: list[int]  # each earlier document's number in the index
    units: list[np.ndarray]  # per earlier document: persist.UNIT_COLUMNS rows
    signed: sign.Signed | None
    index_docs: int
    new_docs: int
    earlier_counts: Callable[[np.ndarray], np.ndarray]  # documents per key in earlier batches
    shingles: tuple[np.ndarray, np.ndarray] | None = None
    counts: tuple[np.ndarray, np.ndarray] | None = None
    history: list[np.ndarray] | None = None

    def observe(self, signed: sign.Signed, first: np.ndarray) -> None:
        """Remember the shingles first seen in the new batch, with their global document."""
        new_from = int(signed.doc_tokens[len(self.docs)])
        tail = np.arange(new_from, len(first))
        pos = tail[(first[new_from:] == tail) & (signed.shingles[new_from:] != 0)]
        doc = np.searchsorted(signed.doc_tokens, pos, side="right") - 1
        self.shingles = (signed.shingles[pos], doc - len(self.docs) + self.index_docs)

    def boilerplate_set(
        self,
        keys: np.ndarray,
        blk_doc: np.ndarray,
        sentences: tuple[np.ndarray, np.ndarray],
        config: Config,
    ) -> np.ndarray:
        """Short-block keys (and counted sentences' keys) that stand in enough documents of
        all batches, this one included."""
        new = blk_doc >= len(self.docs)
        rows, docs = sentences
        new_rows = docs >= len(self.docs)
        values, counts = self.counts = boilerplate.merged_counts(
            boilerplate.key_doc_counts(keys[new], blk_doc[new]),
            boilerplate.key_doc_counts(rows[new_rows], docs[new_rows]),
        )
        if config.boilerplate_max_tokens == 0:
            return np.zeros(0, dtype=np.uint64)
        # only the run's own keys can match a block or a sentence
        seen = distinct(np.concatenate([keys[keys != 0], rows]))
        total = self.earlier_counts(seen)
        total[np.searchsorted(seen, values)] += counts
        n_docs = self.index_docs + self.new_docs
        inner, many = keys[:, boilerplate.INNER], keys[:, boilerplate.MANY]
        return boilerplate.template_keys(seen, total, inner, many, n_docs, config)

    def freeze(self, units: Units) -> tuple[Units, np.ndarray, Copies]:
        """The earlier documents' units as they were stored, pinned to their recorded history
        (never a source of a restoration), then the new batch's units; the schedule for
        :func:`dedupe_docs.stages.settle.settle`; and the earlier documents'
        copies with their sources (which documents are among the earlier ones)."""
        n0 = len(self.docs)
        rows = [np.c_[np.full(len(u), d), u] for d, u in enumerate(self.units)]
        old = np.concatenate(rows) if rows else np.zeros((0, 1 + UNIT_COLUMNS), np.int64)
        position = {num: d for d, num in enumerate(self.nums)}
        # Copies of documents that were not loaded cite nothing a copy of the batch cites.
        cites = np.flatnonzero([n in position for n in old[:, 4].tolist()])
        copies = Copies.from_columns(
            [
                old[cites, 0],
                old[cites, 1],
                old[cites, 2],
                np.array([position[n] for n in old[cites, 4].tolist()], dtype=np.int64),
                old[cites, 5],
                old[cites, 6],
                old[cites, 7],
            ]
        )
        own = units.take(np.flatnonzero(units.doc >= n0))
        n = len(old)
        frozen = Units(
            old[:, 0],
            old[:, 1],
            old[:, 2],
            np.where(old[:, 3] == 0, KEEP, BOILERPLATE).astype(np.int8),
            np.full(n, -1, np.int64),
            np.full(n, -1, np.int64),
            np.full(n, -1, np.int64),
            np.full(n, np.nan),
            np.where(old[:, 3] == 0, NO_RULE, TEMPLATE).astype(np.int8),
        )
        schedule = np.concatenate([old[:, 3], np.full(len(own.doc), -2, np.int64)])
        joined = Units(
            *(
                np.concatenate([getattr(frozen, f.name), getattr(own, f.name)]).astype(
                    getattr(own, f.name).dtype
                )
                for f in attrs.fields(Units)
            )
        )
        return joined, schedule, copies

    def record(self, units: Units, restored: np.ndarray) -> None:
        """Keep the new documents' units, their history and the sources of their copies (by
        number in the index, with their similarity) for the index."""
        n0 = len(self.docs)
        at = np.searchsorted(units.doc, np.arange(n0, n0 + self.new_docs + 1))
        copy = (units.reason != KEEP) & (units.src_doc >= 0)
        nums = np.concatenate(
            [np.array(self.nums, np.int64), self.index_docs + np.arange(self.new_docs)]
        )
        source = np.where(copy, nums[np.maximum(units.src_doc, 0)], -1)
        table = np.stack(
            [
                units.start,
                units.end,
                restored,
                source,
                np.where(copy, units.src_start, -1),
                np.where(copy, units.src_end, -1),
                np.where(copy, units.similarity.astype(np.float64).view(np.int64), -1),
            ],
            axis=1,
        ).astype(np.int64)
        self.history = [table[at[i] : at[i + 1]] for i in range(self.new_docs)]


def clean(
    folder: Path,
    docs: list[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    batch: str | None = None,
) -> tuple[list[CleanedDocument], Update]:
    """Clean ``docs`` against the index in ``folder``; return them and the index update (call
    it once the output is written, or its :meth:`~Update.discard` if that failed: either closes
    the index)."""
    store = Store(folder)
    try:
        store.check(config)
        signed = memory.sign_all([d.text for d in docs], config, progress)
        owners = store.lookup(distinct(signed.shingles[signed.shingles != 0]))
        rows = store.documents(distinct(owners[owners >= 0]).tolist())
        # The sources of their copies too: a copy of a copy may cite them through it.
        cited = {int(n) for *_, units in rows for n in units[:, 3] if n >= 0}
        rows = sorted(rows + store.documents(sorted(cited - {n for n, *_ in rows})))
        earlier = [Document(i, text) for _, i, _, text, _ in rows]
        if earlier:
            signed = sign.concat([memory.sign_all([d.text for d in earlier], config), signed])
        prior = Prior(
            earlier,
            [b for _, _, b, _, _ in rows],
            [n for n, *_ in rows],
            [s for *_, s in rows],
            signed,
            store.n_docs,
            len(docs),
            store.key_counts,
        )
        cleaned = memory.clean(docs, config, timings, progress, prior)
    except BaseException:
        store.close()
        raise
    return cleaned, Update(store, prior, docs, config, batch)


@attrs.define(eq=False)
class Update:
    """A cleaned batch's addition to the open index: calling it adds the batch and closes the
    index; :meth:`discard` closes it without adding anything (the output could not be written)."""

    store: Store
    prior: Prior
    docs: list[Document]
    config: Config
    batch: str | None

    def __call__(self) -> dict[str, object]:
        """Add the batch; return its name and how many earlier documents it was cleaned against."""
        prior = self.prior
        try:
            assert prior.shingles is not None and prior.counts is not None
            assert prior.history is not None
            rows = [(d.id, d.text, h) for d, h in zip(self.docs, prior.history, strict=True)]
            name = self.store.add(self.batch, self.config, rows, prior.shingles, prior.counts)
            return {"batch": name, "earlier_documents_used": len(prior.docs)}
        finally:
            self.store.close()

    def discard(self) -> None:
        self.store.close()
