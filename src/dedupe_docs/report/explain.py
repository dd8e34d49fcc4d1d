"""What was removed and why: each removed span beside the text it repeats, differences marked.

An output folder holds the cleaned text and the provenance, but the removed text lives only in
the sources. ``report.json`` records the input paths (and the record fields) of the run, so
:func:`explain` re-reads them; it refuses inputs that moved or changed since the run. Library
users who cleaned in memory pass the texts instead (:func:`explain_documents`).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from dedupe_docs.errors import InputError
from dedupe_docs.formats.shards import is_glob
from dedupe_docs.report.diff import Opcode, compare
from dedupe_docs.runtime import storage
from dedupe_docs.runtime.remote import is_url
from dedupe_docs.stages.read import Hashes, read_all
from dedupe_docs.types import Kept, Reason, Removal, Rule, SourceRef


class HasProvenance(Protocol):
    """What explaining needs of a document: a CleanedDocument or a provenance line."""

    @property
    def id(self) -> str: ...
    @property
    def length(self) -> int: ...
    @property
    def removed(self) -> tuple[Removal, ...]: ...


@attrs.frozen
class Provenance:
    """One line of ``provenance.jsonl``, read back."""

    id: str
    length: int
    kept: tuple[Kept, ...]
    removed: tuple[Removal, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        removed = []
        for r in data["removed"]:
            src = r.get("source")
            source = (
                SourceRef(src["id"], src["start"], src["end"], src.get("batch")) if src else None
            )
            removed.append(
                Removal(
                    r["start"], r["end"], r["reason"], source, r.get("similarity"), r.get("rule")
                )
            )
        kept = tuple(Kept(*k) for k in data["kept"])
        return cls(str(data["id"]), int(data["length"]), kept, tuple(removed))


@attrs.frozen
class Explanation:
    """One removed span of a document, with the text it repeats and how the two differ.

    ``line``/``end_line`` (and ``source_line``/``source_end_line``) are 1-based line numbers of
    the first and last character. ``diff`` holds the opcodes turning ``source_text`` into
    ``text`` (:func:`dedupe_docs.report.diff.differences`: computed on the folded texts, so case,
    spacing, quotes and doubled letters are no difference; offsets into the original texts); for
    a copy removed by the ``reworded`` rule it is on words
    (:func:`dedupe_docs.report.diff.word_differences`: replaced, inserted, deleted and moved
    words, see :attr:`by_words`); it is empty for boilerplate. ``identical``: the removed text
    is character for character the text it repeats (a quoted span starts and ends with a word:
    the punctuation around it in its document counts as part of it).
    """

    id: str
    start: int
    end: int
    reason: Reason
    text: str
    line: int
    end_line: int
    source: SourceRef | None = None
    source_text: str | None = None
    source_line: int | None = None
    source_end_line: int | None = None
    similarity: float | None = None
    diff: tuple[Opcode, ...] = ()
    identical: bool = False
    rule: Rule | None = None

    def differences(self) -> list[Opcode]:
        """The opcodes that are not ``equal``: the real edits."""
        return [op for op in self.diff if op[0] != "equal"]

    @property
    def by_words(self) -> bool:
        """The differences are on whole words: the copy was reworded (shuffled, synonyms), so
        a changed word is one edit, not a few changed letters."""
        return self.rule == "reworded"


def explain_documents(
    docs: Iterable[HasProvenance],
    texts: Mapping[str, str],
    *,
    doc_id: str | None = None,
    reason: Reason | None = None,
    rule: Rule | None = None,
) -> Iterator[Explanation]:
    """Explain the removed spans of ``docs`` (CleanedDocuments or provenance records), given the
    source text of every document by id; ``reason`` and ``rule`` keep only the spans removed
    for that reason or by that rule.

    >>> import dedupe_docs
    >>> texts = {"a": "The letter was printed twice.\\n", "b": "THE  LETTER was printed twice!\\n"}
    >>> cleaned = dedupe_docs.clean(list(texts.items()), min_tokens=3)
    >>> e = next(explain_documents(cleaned, texts))
    >>> e.id, e.reason, e.source.id, e.similarity
    ('b', 'duplicate', 'a', 1.0)
    >>> from dedupe_docs.report.render import render
    >>> print(render(e, color=False))
    b:1 [0:30] duplicate (passage), similarity 1.00 of a:1 [0:28] (1 edit)
      THE  LETTER was printed twice{+!+}
    """
    lines: dict[str, list[int]] = {}
    for doc in docs:
        if doc_id is not None and doc.id != doc_id:
            continue
        text = texts[doc.id]
        for r in doc.removed:
            if (reason is not None and r.reason != reason) or (rule is not None and r.rule != rule):
                continue
            line, end_line = _lines(lines, doc.id, text, r.start, r.end)
            removed = text[r.start : r.end]
            if r.source is None:
                yield Explanation(
                    doc.id, r.start, r.end, r.reason, removed, line, end_line, rule=r.rule
                )
                continue
            whole = source_text(texts, r.source)
            quoted = whole[r.source.start : r.source.end]
            key = r.source.id if r.source.batch is None else f"{r.source.batch}\0{r.source.id}"
            src_line, src_end = _lines(lines, key, whole, r.source.start, r.source.end)
            around = punctuation_around(whole, r.source)
            yield Explanation(
                doc.id,
                r.start,
                r.end,
                r.reason,
                removed,
                line,
                end_line,
                r.source,
                quoted,
                src_line,
                src_end,
                r.similarity,
                compare(quoted, removed, around, words=r.rule == "reworded"),
                _identical(quoted, removed, around),
                r.rule,
            )


_BEFORE = re.compile(r"[^\w\n]{1,8}\Z")
_AFTER = re.compile(r"[^\w\n]{1,8}")


def punctuation_around(text: str, span: SourceRef) -> tuple[str, str]:
    """The punctuation and spacing just before and after ``span`` in ``text`` (on its lines, up
    to 8 characters each side): a quoted span starts and ends with a word, where the removed
    block may also hold the bullet or full stop around it."""
    before = _BEFORE.search(text, max(0, span.start - 8), span.start)
    after = _AFTER.match(text, span.end, span.end + 8)
    return (before[0] if before else "", after[0] if after else "")


def _identical(quoted: str, removed: str, around: tuple[str, str]) -> bool:
    """``removed`` is ``quoted``, with some of the punctuation ``around`` it."""
    if removed == quoted:
        return True
    before, after = around
    at = (before + quoted + after).find(removed)
    return 0 <= at <= len(before) and at + len(removed) >= len(before) + len(quoted)


def _lines(
    cache: dict[str, list[int]], doc_id: str, text: str, start: int, end: int
) -> tuple[int, int]:
    if doc_id not in cache:
        cache[doc_id] = [i for i, ch in enumerate(text) if ch == "\n"]
    breaks = cache[doc_id]
    return bisect.bisect_left(breaks, start) + 1, bisect.bisect_left(
        breaks, max(start, end - 1)
    ) + 1


def read_report(out_dir: str | Path) -> dict[str, Any]:
    """The ``report.json`` of an output folder."""
    path = Path(out_dir) / "report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except OSError as exc:
        msg = f"{exc.strerror or exc} (is {out_dir} the output folder of a run of dedupe-docs?)"
        raise InputError(str(path), msg) from exc
    except ValueError as exc:
        raise InputError(str(path), f"not valid JSON: {exc}") from exc


def read_provenance(out_dir: str | Path) -> list[Provenance]:
    """Every record of ``provenance.jsonl``, in corpus order."""
    path = Path(out_dir) / "provenance.jsonl"
    out = []
    try:
        with path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if raw.strip():
                    try:
                        out.append(Provenance.from_json(storage.loads(raw)))
                    except (ValueError, KeyError, TypeError) as exc:
                        raise InputError(
                            str(path), f"bad provenance record: {exc}", line=n
                        ) from exc
    except OSError as exc:
        hint = f"is {out_dir} the output folder of a run of dedupe-docs?"
        raise InputError(str(path), exc.strerror or str(exc), hint=hint) from exc
    return out


class Texts(dict[str, str]):
    """Source texts by document id, and in ``earlier`` those of earlier batches of a persisted
    index by ``(batch, id)`` (an id of an earlier batch may be reused by a later one)."""

    def __init__(
        self, current: Mapping[str, str], earlier: Mapping[tuple[str, str], str] | None = None
    ) -> None:
        super().__init__(current)
        self.earlier = dict(earlier or {})


def source_text(texts: Mapping[str, str], ref: SourceRef) -> str:
    """The whole text of the document a removed span repeats."""
    if ref.batch is not None and isinstance(texts, Texts):
        found = texts.earlier.get((ref.batch, ref.id))
        if found is not None:
            return found
    return texts[ref.id]


def source_texts(
    out_dir: str | Path,
    provenance: Sequence[Provenance],
    inputs: Sequence[str | Path] | None = None,
) -> Texts:
    """Re-read the inputs of the run that wrote ``out_dir`` (or ``inputs``, where they are now)
    as the run read them (its ``on_error`` and ``encoding_errors``: inputs it skipped are
    skipped again); refuse an input whose content hash or a text whose length differs from
    the run's. Sources in earlier batches of a persisted index are read from the index."""
    report = read_report(out_dir)
    recorded = report.get("inputs") or {}
    if inputs is None:
        if recorded.get("in_memory") or "paths" not in recorded:
            raise InputError(
                str(out_dir),
                "the run read documents given in memory, so their texts are not on disk",
                hint="pass the inputs again in `inputs`, or their texts in `texts`",
            )
        inputs = recorded["paths"]
        for path in inputs:
            if is_url(path) or is_glob(path):  # read says what is missing there
                continue
            if not Path(path).exists():
                raise InputError(
                    str(path),
                    f"input of the run in {out_dir} is missing (moved or deleted?)",
                    hint="pass its new location in `inputs`",
                )
    hashes: Hashes = {}
    docs, _skipped = read_all(
        list(inputs),
        text_field=recorded.get("text_field", "text"),
        id_field=recorded.get("id_field", "id"),
        on_error=recorded.get("on_error", "raise"),
        encoding_errors=recorded.get("encoding_errors", "strict"),
        encoding=recorded.get("encoding", "utf-8"),
        hashes=hashes,
    )
    _check_hashes(out_dir, list(inputs), recorded.get("hashes"), hashes)
    texts = {d.id: d.text for d in docs}
    for p in provenance:
        if p.id not in texts:
            raise InputError(p.id, f"document of {out_dir} is not in the inputs any more")
        if len(texts[p.id]) != p.length:
            raise InputError(
                p.id,
                f"source changed since the run: {len(texts[p.id])} characters, "
                f"provenance says {p.length}",
                hint="run dedupe-docs clean again",
            )
    return Texts(texts, _earlier_texts(out_dir, report, provenance))


def _check_hashes(
    out_dir: str | Path, inputs: list[str | Path], recorded: Any, now: Hashes
) -> None:
    """Refuse an input file whose bytes changed since the run (its BLAKE2b hash differs), naming
    it. Inputs given anew in another number than the run's cannot be paired: not checked."""
    if not isinstance(recorded, list) or len(recorded) != len(inputs):
        return
    for n, (path, then) in enumerate(zip(inputs, recorded, strict=True)):
        if isinstance(then, str):
            pairs = [(path if is_url(path) else Path(path), then, now.get(n))]
        elif isinstance(then, dict):
            files = now.get(n)
            files = files if isinstance(files, dict) else {}
            pairs = [(_below(path, rel), h, files.get(rel)) for rel, h in sorted(then.items())]
        else:
            continue  # skipped by the run
        for file, before, after in pairs:
            if after is not None and after != before:
                raise InputError(
                    str(file),
                    f"changed since the run in {out_dir} (its content hash differs)",
                    hint="run dedupe-docs clean again",
                )


def _below(folder: str | Path, rel: str) -> str | Path:
    """The file ``rel`` below an input folder (or glob base) given as a path or a URL."""
    return f"{str(folder).rstrip('/')}/{rel}" if is_url(folder) else Path(folder) / rel


def _earlier_texts(
    out_dir: str | Path, report: Mapping[str, Any], provenance: Sequence[Provenance]
) -> dict[tuple[str, str], str]:
    """The texts of the sources that lie in earlier batches of the run's persisted index."""
    wanted = sorted(
        {
            (r.source.batch, r.source.id)
            for p in provenance
            for r in p.removed
            if r.source is not None and r.source.batch is not None
        }
    )
    if not wanted:
        return {}
    batch, doc = wanted[0]
    path = (report.get("index") or {}).get("path")
    if path is None or not (Path(path) / "index.sqlite").is_file():
        where = str(path) if path is not None else str(out_dir)
        missing = "is missing" if path is not None else "is not recorded in report.json"
        raise InputError(
            where,
            f"the persisted index that holds earlier batch {batch!r} ({doc!r} and others that "
            f"{out_dir} repeats) {missing}",
            hint="explain needs the index the run was cleaned against",
        )
    from dedupe_docs.drivers.persist import Store

    store = Store(Path(path))
    try:
        found = store.texts(wanted)
    finally:
        store.close()
    lost = [pair for pair in wanted if pair not in found]
    if lost:
        raise InputError(
            str(path), f"earlier batch {lost[0][0]!r} holds no document {lost[0][1]!r} any more"
        )
    return found


def explain(
    out_dir: str | Path,
    doc_id: str | None = None,
    *,
    reason: Reason | None = None,
    rule: Rule | None = None,
    texts: Mapping[str, str] | None = None,
    inputs: Sequence[str | Path] | None = None,
) -> Iterator[Explanation]:
    """Explain the removed spans recorded in the output folder ``out_dir`` (only those removed
    for ``reason`` or by ``rule``, when given).

    The source texts come from ``texts`` (by document id), else from re-reading ``inputs``, else
    from re-reading the input paths recorded in ``report.json``.
    """
    provenance = read_provenance(out_dir)
    if doc_id is not None and all(p.id != doc_id for p in provenance):
        raise InputError(str(out_dir), f"no document {doc_id!r} in provenance.jsonl")
    if texts is None:
        wanted = provenance if doc_id is None else _needed(provenance, doc_id)
        texts = source_texts(out_dir, wanted, inputs)
    return explain_documents(provenance, texts, doc_id=doc_id, reason=reason, rule=rule)


def _needed(provenance: Sequence[Provenance], doc_id: str) -> list[Provenance]:
    doc = next(p for p in provenance if p.id == doc_id)
    ids = {doc_id} | {r.source.id for r in doc.removed if r.source}
    return [p for p in provenance if p.id in ids]
