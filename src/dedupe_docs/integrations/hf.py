"""Hugging Face ``datasets``: clean a Dataset, or a function for ``ds.map(batched=True)``.

- :func:`clean_dataset` cleans every row of the dataset together: the whole dataset is the
  scope, and a Dataset comes back with the cleaned text in its text column, every other column
  as it was, and optionally the provenance record of each row in a column of its own.
- :func:`dedupe_batches` gives a function for ``ds.map(fn, batched=True, with_indices=True)``.
  ``map`` hands it one batch at a time, so a passage is compared only with the rows of its own
  batch (``batch_size`` rows, 1000 by default): use it to stream a large dataset. With
  ``index`` each batch is cleaned against every batch before it and added to the index, so the
  scope is the whole dataset in row order; the index is locked while one batch reads and
  updates it, so ``num_proc > 1`` is safe, but which copy survives then depends on the order
  the processes reach the index (``num_proc=1`` gives the same result on every run). The
  function is a :class:`BatchDedupe`, which pickles to its settings alone, so datasets can
  fingerprint it: a second ``map`` with equal settings over the same dataset reads the cache.

Rows are named by their ``id_column``, or by their row number when there is none; a removed
span's ``source.id`` is that name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import attrs

try:
    import datasets
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "dedupe_docs.integrations.hf needs Hugging Face datasets: pip install 'dedupe-docs[hf]'"
    ) from exc

import dedupe_docs
from dedupe_docs import CleanedDocument, Config, ConfigError

# datasets 4 names a list type List; earlier versions call it Sequence.
_LIST = getattr(datasets, "List", None) or datasets.Sequence
_SOURCE = {
    "id": datasets.Value("string"),
    "start": datasets.Value("int64"),
    "end": datasets.Value("int64"),
    "batch": datasets.Value("string"),
}
PROVENANCE = {
    "id": datasets.Value("string"),
    "length": datasets.Value("int64"),
    "kept": _LIST(_LIST(datasets.Value("int64"))),
    "removed": [
        {
            "start": datasets.Value("int64"),
            "end": datasets.Value("int64"),
            "reason": datasets.Value("string"),
            "source": _SOURCE,
            "similarity": datasets.Value("float64"),
            "rule": datasets.Value("string"),
        }
    ],
}
"""The column type of a provenance record: the record of ``provenance.jsonl``, with a
``source`` of null for boilerplate and a ``batch`` of null outside an index."""


def clean_dataset(
    ds: datasets.Dataset,
    config: Config | None = None,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    provenance_column: str | None = None,
    **overrides: Any,
) -> datasets.Dataset:
    """``ds`` with every row cleaned against the whole dataset: the text column holds the
    cleaned text, every other column stays as it was, and ``provenance_column`` (when given)
    holds each row's provenance record (:data:`PROVENANCE`).

    ``config`` and keyword overrides are :class:`dedupe_docs.Config` options.
    """
    _check_columns(ds.column_names, text_column, id_column, provenance_column)
    texts = list(ds[text_column])
    ids = _ids(list(ds[id_column]) if id_column else None, range(len(texts)))
    cleaned = dedupe_docs.clean(_documents(ids, texts), _config(config, overrides))
    # The cleaned column goes in beside the text before the text goes: a dataset left with no
    # column would have no rows to add a column to.
    spare = "_" + "_".join(ds.column_names)
    out = (
        ds.add_column(spare, [c.text for c in cleaned], feature=ds.features[text_column])
        .remove_columns([text_column])
        .rename_column(spare, text_column)
    )
    if provenance_column is not None:
        records = [_provenance(c) for c in cleaned]
        out = out.add_column(provenance_column, records, feature=PROVENANCE)
    columns = ds.column_names + ([provenance_column] if provenance_column else [])
    return out.select_columns(columns)


def dedupe_batches(
    config: Config | None = None,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    provenance_column: str | None = None,
    index: str | os.PathLike[str] | None = None,
    batch: str | None = None,
    **overrides: Any,
) -> BatchDedupe:
    """A function for ``ds.map(fn, batched=True, with_indices=True)`` that cleans each batch
    (see the module's documentation for the scope) and returns every column: the text column
    cleaned, the others as they came, and ``provenance_column`` when given (pass
    ``features=provenance_features(ds.features, column)`` to ``map`` to fix its type).

    With ``index`` (a folder) and ``batch`` (a name for this pass), each map batch is cleaned
    against the index and added to it as batch ``NAME-FIRSTROW``. Equal settings give equal
    functions, which datasets fingerprints alike (see :class:`BatchDedupe`).
    """
    if (index is None) != (batch is None):
        raise ConfigError("`index` and `batch` go together: the folder and this pass's name")
    return BatchDedupe(
        _config(config, overrides),
        text_column,
        id_column,
        provenance_column,
        None if index is None else os.fspath(index),
        batch,
    )


@attrs.frozen
class BatchDedupe:
    """The function :func:`dedupe_batches` gives ``map``: its settings, and a call that cleans
    one batch.

    It holds nothing but its settings and the dedupe_docs version, so it pickles (and datasets
    hashes it) the same in every process and on every run: ``map`` finds the result of an
    earlier call with equal settings over the same dataset in its cache instead of cleaning
    again (with an index, cleaning again would add the same batches twice, which the index
    refuses). A new dedupe_docs version is another function, so its results are not reused.
    """

    config: Config
    text_column: str = "text"
    id_column: str | None = None
    provenance_column: str | None = None
    index: str | None = None
    batch: str | None = None
    version: str = dedupe_docs.__version__

    def __call__(
        self, rows: dict[str, list[Any]], indices: Sequence[int] | None = None
    ) -> dict[str, Any]:
        """The batch ``rows`` (columns of values) cleaned; ``indices`` are their row numbers."""
        _check_columns(list(rows), self.text_column, self.id_column, self.provenance_column)
        if indices is None and (self.index is not None or self.id_column is None):
            raise ConfigError("call `map` with `with_indices=True`: rows are named by their number")
        given = rows[self.id_column] if self.id_column else None
        docs = _documents(_ids(given, indices or ()), rows[self.text_column])
        if self.index is None:
            cleaned = dedupe_docs.clean(docs, self.config)
        else:
            name = f"{self.batch}-{indices[0] if indices else 0:09d}"
            cleaned = dedupe_docs.clean(docs, self.config, index=self.index, batch=name)
        out = {**rows, self.text_column: [c.text for c in cleaned]}
        if self.provenance_column is not None:
            out[self.provenance_column] = [_provenance(c) for c in cleaned]
        return out


def provenance_features(features: datasets.Features, column: str) -> datasets.Features:
    """``features`` with a provenance column named ``column`` (:data:`PROVENANCE`)."""
    return _features(features, column)


def _config(config: Config | None, overrides: dict[str, Any]) -> Config:
    try:
        return (config or Config()).evolve(**overrides)
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc


def _check_columns(
    columns: Sequence[str], text: str, id_column: str | None, provenance: str | None
) -> None:
    for name, option in ((text, "text_column"), (id_column, "id_column")):
        if name is not None and name not in columns:
            raise ConfigError(f"`{option}`: no column {name!r} (columns: {', '.join(columns)})")
    if provenance is not None and provenance in columns:
        raise ConfigError(f"`provenance_column`: the dataset already has a column {provenance!r}")


def _ids(given: Sequence[Any] | None, rows: Sequence[int] | range) -> list[str]:
    return [str(i) for i in (given if given is not None else rows)]


def _documents(ids: list[str], texts: Sequence[Any]) -> list[dedupe_docs.Document]:
    return [dedupe_docs.Document(i, t) for i, t in zip(ids, texts, strict=True)]


def _features(features: datasets.Features, column: str | None) -> datasets.Features:
    if column is None:
        return features
    return datasets.Features({**features, column: PROVENANCE})


def _provenance(doc: CleanedDocument) -> dict[str, Any]:
    """The provenance record with every field of :data:`PROVENANCE` present."""
    record = doc.provenance()
    for r in record["removed"]:  # type: ignore[union-attr]
        if r["source"] is not None:
            r["source"] = {"batch": None, **r["source"]}
    return record
