"""A datatrove pipeline step: ``reader → PassageDedup() → writer``.

Each Document's text is replaced by its cleaned text and its provenance record (the line
``provenance.jsonl`` would hold: ``length``, ``kept``, ``removed`` with reasons, sources and
similarity) goes into ``metadata["dedupe_docs"]``.

What a document is compared with depends on how the pipeline runs. datatrove gives each task a
shard of the input, and the step sees only that shard:

- ``tasks=1``: the whole corpus, in reading order, exactly as :func:`dedupe_docs.clean`.
- ``tasks>1`` without ``index``: each task's shard on its own; a passage copied across two
  shards stays in both.
- ``index=FOLDER, batch=NAME``: the whole corpus. The tasks take turns in rank order: task
  ``r`` waits until tasks ``0 … r-1`` have added their shards to the index, cleans its shard
  against everything in it, and adds it as batch ``NAME-r`` (a 5-digit ``r``). The index is
  locked while a task reads and updates it, so no two tasks write it at once; the result is
  the same for any number of workers. The cleaning is sequential, the reading and writing
  around it run in parallel. A task that fails before its turn is done says so, and the tasks
  after it stop waiting with a ConfigError. Tasks must share one machine's file system (the lock is
  ``flock``, which does not hold over NFS).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
    from datatrove.utils.logging import logger
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "dedupe_docs.integrations.datatrove needs datatrove: pip install 'dedupe-docs[datatrove]'"
    ) from exc

import dedupe_docs
from dedupe_docs import CleanedDocument, Config, ConfigError

POLL_SECONDS = 1.0
"""How often a task waiting for its turn at the index looks again."""


class PassageDedup(PipelineStep):  # type: ignore[misc]
    """Remove duplicate passages, repeats and boilerplate from the documents of each task.

    ``config`` and keyword overrides are :class:`dedupe_docs.Config` options. ``index`` and
    ``batch`` make the scope the whole corpus (see the module's documentation);
    ``metadata_key`` is where the provenance record goes; ``drop_empty`` drops the documents
    that cleaning left without text. The step holds its task's documents in memory (about
    10-12 bytes per byte of text).
    """

    name = "🔗 dedupe_docs passages"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        config: Config | None = None,
        *,
        index: str | os.PathLike[str] | None = None,
        batch: str | None = None,
        metadata_key: str = "dedupe_docs",
        drop_empty: bool = False,
        **overrides: Any,
    ) -> None:
        super().__init__()
        try:
            self.config = (config or Config()).evolve(**overrides)
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from exc
        if (index is None) != (batch is None):
            raise ConfigError("`index` and `batch` go together: the folder and this run's name")
        if index is not None and self.config.keep != "first":
            raise ConfigError('`index` needs `keep="first"` (earlier batches are never revisited)')
        self.index = None if index is None else Path(index)
        self.batch = batch
        self.metadata_key = metadata_key
        self.drop_empty = drop_empty

    def run(
        self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1
    ) -> Iterator[Document]:
        try:
            docs = list(data) if data else []
            with self.track_time(unit="task"):
                cleaned = self._clean(docs, rank)
        except BaseException:
            if self.index is not None:  # the tasks after this one stop waiting for it
                self._turns().mkdir(parents=True, exist_ok=True)
                (self._turns() / f"{rank:05d}.failed").touch()
            raise
        for doc, c in zip(docs, cleaned, strict=True):
            self.stat_update("documents")
            for r in c.removed:
                self.stat_update(f"removed_{r.reason}_chars", value=r.end - r.start, unit="doc")
            doc.text = c.text
            doc.metadata[self.metadata_key] = c.provenance()
            if self.drop_empty and not c.text:
                self.stat_update("dropped_empty")
                continue
            self.update_doc_stats(doc)
            yield doc

    def _turns(self) -> Path:
        """Where each task marks that it added its shard (``00003``) or failed before
        (``00003.failed``)."""
        assert self.index is not None and self.batch is not None
        return self.index / "datatrove" / dedupe_docs.safe_name(self.batch)

    def _clean(self, docs: list[Document], rank: int) -> list[CleanedDocument]:
        inputs = [dedupe_docs.Document(str(d.id), d.text) for d in docs]
        if self.index is None:
            return dedupe_docs.clean(inputs, self.config)
        turns, name = self._turns(), f"{self.batch}-{rank:05d}"
        if (turns / f"{rank:05d}").exists():
            raise ConfigError(
                f"{self.index}: task {rank} already added its documents as batch {name!r} in an"
                " earlier attempt; start again with a new index, or keep that attempt's output"
            )
        (turns / f"{rank:05d}.failed").unlink(missing_ok=True)  # this is the next attempt
        self._wait(turns, rank)
        cleaned = dedupe_docs.clean(inputs, self.config, index=self.index, batch=name)
        turns.mkdir(parents=True, exist_ok=True)
        (turns / f"{rank:05d}").touch()
        return cleaned

    def _wait(self, turns: Path, rank: int) -> None:
        """Return once every task before ``rank`` has added its shard to the index; raise
        ConfigError if one of them failed before it did."""
        told = False
        for earlier in range(rank):
            while not (turns / f"{earlier:05d}").exists():
                if (turns / f"{earlier:05d}.failed").exists():
                    raise ConfigError(
                        f"{self.index}: task {earlier} failed before adding its documents, and"
                        f" task {rank} comes after it; run the failed task again first"
                    )
                if not told:
                    logger.info(f"dedupe_docs: task {rank} waits for task {earlier} at the index")
                    told = True
                time.sleep(POLL_SECONDS)
