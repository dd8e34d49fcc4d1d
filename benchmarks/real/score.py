"""Run the two tools on a corpus and score them against the structural gold.

The tools: dedupe_docs through its public API (``dedupe_docs.clean``), and the naive baseline
of exact normalised-line dedup keeping the first occurrence. Both give removed spans, scored
the same way: a line counts as removed when at least half of its non-space characters fall in
removed spans.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import dedupe_docs
from benchmarks.real.build import normalise

Record = dict[str, Any]
Span = tuple[int, int, str, str | None, float | None]
"""A removed span: start, end, reason, the id of the source it repeats, similarity."""

EXAMPLES = 8
"""Failure examples kept per kind and corpus."""


# --------------------------------------------------------------------------- tools


def run_dedupe_docs(records: list[Record], config: dedupe_docs.Config) -> list[list[Span]]:
    """dedupe_docs's removed spans per document (the public API, nothing else)."""
    cleaned = dedupe_docs.clean([(r["id"], r["text"]) for r in records], config)
    by_id = {c.id: c for c in cleaned}
    return [
        [
            (x.start, x.end, x.reason, x.source.id if x.source else None, x.similarity)
            for x in by_id[r["id"]].removed
        ]
        for r in records
    ]


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line of ``text``, without its newline."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


def run_exact_lines(records: list[Record]) -> list[list[Span]]:
    """Exact normalised-line dedup: a line whose normal form was seen before is removed."""
    seen: dict[str, str] = {}
    out: list[list[Span]] = []
    for rec in records:
        spans: list[Span] = []
        for start, end in _lines(rec["text"]):
            key = normalise(rec["text"][start:end])
            if not key:
                continue
            if key in seen:
                spans.append((start, end, "duplicate", seen[key], 1.0))
            else:
                seen[key] = rec["id"]
        out.append(spans)
    return out


# --------------------------------------------------------------------------- helpers


def removed_mask(length: int, spans: list[Span]) -> bytearray:
    """One byte per code point: 1 where removed."""
    mask = bytearray(length)
    for start, end, *_ in spans:
        mask[start:end] = b"\x01" * (end - start)
    return mask


def removed_chars(text: str, mask: bytearray, start: int, end: int) -> tuple[int, int]:
    """(non-space characters removed, non-space characters) in ``text[start:end]``."""
    gone = total = 0
    for i in range(start, end):
        if not text[i].isspace():
            total += 1
            gone += mask[i]
    return gone, total


def is_removed(text: str, mask: bytearray, start: int, end: int) -> bool:
    """The line rule: at least half of the non-space characters are removed."""
    gone, total = removed_chars(text, mask, start, end)
    return total > 0 and 2 * gone >= total


def why(spans: list[Span], start: int, end: int) -> dict[str, Any]:
    """The reason, source and similarity of the span that covers most of ``[start, end)``."""
    best = max(spans, key=lambda s: min(end, s[1]) - max(start, s[0]), default=None)
    if best is None:
        return {}
    return {
        "reason": best[2],
        "source": best[3],
        "similarity": round(best[4], 3) if best[4] is not None else None,
    }


def _share(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _clip(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- sites


def score_site(
    records: list[Record], spans: list[list[Span]], examples: bool = False
) -> dict[str, Any]:
    """Chrome removed (repeats after their first page), body kept, unique body lines lost,
    first copies kept; with ``examples``, lines that went wrong."""
    counts: Counter[str] = Counter()
    for rec in records:
        for start, end, _ in rec["lines"]:
            counts[normalise(rec["text"][start:end])] += 1
    seen_chrome: set[str] = set()
    seen_any: set[str] = set()
    rep = rep_removed = body = body_kept = body_chars = body_chars_kept = 0
    unique_lost = first = first_kept = chrome_first_removed = 0
    kept_chrome: Counter[str] = Counter()
    lost_body: list[dict[str, Any]] = []
    for rec, doc_spans in zip(records, spans, strict=True):
        text = rec["text"]
        mask = removed_mask(len(text), doc_spans)
        page_chrome: set[str] = set()
        for start, end, label in rec["lines"]:
            key = normalise(text[start:end])
            gone = is_removed(text, mask, start, end)
            if label == "chrome":
                if key in seen_chrome:
                    rep += 1
                    rep_removed += gone
                    if not gone:
                        kept_chrome[text[start:end].strip()] += 1
                elif gone:
                    chrome_first_removed += 1
                page_chrome.add(key)
            else:
                nonspace = removed_chars(text, mask, start, end)
                body += 1
                body_kept += not gone
                body_chars += nonspace[1]
                body_chars_kept += nonspace[1] - nonspace[0]
                if key not in seen_any:
                    first += 1
                    first_kept += not gone
                if gone and counts[key] == 1:
                    unique_lost += 1
                if gone and examples:
                    lost_body.append(
                        {
                            "url": rec["url"],
                            "line": _clip(text[start:end]),
                            "unique": counts[key] == 1,
                            "first": key not in seen_any,
                            **why(doc_spans, start, end),
                        }
                    )
            seen_any.add(key)
        seen_chrome |= page_chrome
    out: dict[str, Any] = {
        "pages": len(records),
        "chrome_repeat_lines": rep,
        "chrome_removed": _share(rep_removed, rep),
        "body_lines": body,
        "body_kept": _share(body_kept, body),
        "body_chars_kept": _share(body_chars_kept, body_chars),
        "unique_body_lost": unique_lost,
        "first_copies_kept": _share(first_kept, first),
    }
    if examples:
        lost_body.sort(key=lambda e: (not e["unique"], not e["first"]))
        out["examples"] = {
            "chrome_kept": [
                {"line": _clip(t), "pages": n} for t, n in kept_chrome.most_common(EXAMPLES)
            ],
            "body_removed": lost_body[:EXAMPLES],
        }
    return out


# --------------------------------------------------------------------------- licences

_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each paragraph: text between blank lines, without edge whitespace."""
    pos = 0
    for m in [*_PARAGRAPH.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        lead = len(chunk) - len(chunk.lstrip())
        if chunk.strip():
            yield pos + lead, pos + len(chunk.rstrip())
        pos = m.end() if m else len(text)


def score_licences(
    records: list[Record], spans: list[list[Span]], examples: bool = False
) -> dict[str, Any]:
    """Share of later-copy paragraph characters removed (a paragraph whose normal form stood
    earlier in another file), and unique (first-occurrence) paragraph characters lost."""
    first_file: dict[str, str] = {}
    copy_chars = copy_gone = first_chars = first_gone = copies = 0
    missed: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    for rec, doc_spans in zip(records, spans, strict=True):
        text = rec["text"]
        mask = removed_mask(len(text), doc_spans)
        for start, end in paragraphs(text):
            key = normalise(text[start:end])
            gone, total = removed_chars(text, mask, start, end)
            if key not in first_file:
                first_file[key] = rec["id"]
                first_chars += total
                first_gone += gone
                if gone and examples:
                    lost.append(
                        {
                            "id": rec["id"],
                            "chars_lost": gone,
                            "paragraph": _clip(" ".join(text[start:end].split())),
                            **why(doc_spans, start, end),
                        }
                    )
            elif first_file[key] != rec["id"]:
                copies += 1
                copy_chars += total
                copy_gone += gone
                if gone < total and examples:
                    missed.append(
                        {
                            "id": rec["id"],
                            "chars_kept": total - gone,
                            "paragraph": _clip(" ".join(text[start:end].split())),
                        }
                    )
    out: dict[str, Any] = {
        "files": len(records),
        "later_copy_paragraphs": copies,
        "later_copy_chars_removed": _share(copy_gone, copy_chars),
        "unique_chars_lost": first_gone,
        "unique_chars_lost_share": _share(first_gone, first_chars),
    }
    if examples:
        out["examples"] = {
            "copies_kept": sorted(missed, key=lambda e: -e["chars_kept"])[:EXAMPLES],
            "unique_lost": sorted(lost, key=lambda e: -e["chars_lost"])[:EXAMPLES],
        }
    return out


# --------------------------------------------------------------------------- languages


def score_planted(
    records: list[Record],
    gold: list[Record],
    spans: list[list[Span]],
    base: list[Record],
    base_spans: list[list[Span]],
    examples: bool = False,
) -> dict[str, Any]:
    """Precision and recall of removing the planted copies, by non-space character and by
    planted unit (a unit is caught when half its non-space characters are removed).

    ``precision`` counts every removal outside a planted copy as wrong. The man pages hold
    natural near-copies too (option descriptions that differ in a word, repeated notes), which
    no gold marks, so ``precision_planting`` sets aside the characters that the same tool also
    removed from the original (unplanted) corpus ``base`` (``base_spans``): it measures only the
    removals that planting caused. ``base_removed`` is the share of the original's characters
    removed."""
    by_doc: dict[str, list[Record]] = {}
    for g in gold:
        by_doc.setdefault(g["id"], []).append(g)
    planted = planted_gone = removed = units_caught = natural = 0
    base_masks = {
        b["id"]: removed_mask(len(b["text"]), sp) for b, sp in zip(base, base_spans, strict=True)
    }
    base_gone = sum(
        m[i]
        for b in base
        for i, ch in enumerate(b["text"])
        if not ch.isspace()
        for m in [base_masks[b["id"]]]
    )
    base_total = sum(1 for b in base for ch in b["text"] if not ch.isspace())
    by_kind: dict[str, list[int]] = {}
    missed: list[dict[str, Any]] = []
    wrong: list[dict[str, Any]] = []
    for rec, doc_spans in zip(records, spans, strict=True):
        text = rec["text"]
        mask = removed_mask(len(text), doc_spans)
        plant_mask = bytearray(len(text))
        for g in by_doc.get(rec["id"], []):
            plant_mask[g["start"] : g["end"]] = b"\x01" * (g["end"] - g["start"])
            gone, total = removed_chars(text, mask, g["start"], g["end"])
            caught = total > 0 and 2 * gone >= total
            units_caught += caught
            by_kind.setdefault(g["kind"], [0, 0])[0] += caught
            by_kind[g["kind"]][1] += 1
            if not caught and examples:
                missed.append(
                    {"id": rec["id"], "kind": g["kind"], "text": _clip(text[g["start"] : g["end"]])}
                )
        natural_mask = bytearray(len(text))
        base_mask = base_masks[rec["id"]]
        for here, there, length in rec["base_map"]:
            natural_mask[here : here + length] = base_mask[there : there + length]
        for i, ch in enumerate(text):
            if ch.isspace():
                continue
            planted += plant_mask[i]
            removed += mask[i]
            planted_gone += mask[i] & plant_mask[i]
            natural += mask[i] & natural_mask[i] & (1 - plant_mask[i])
        if examples:
            for start, end in _lines(text):
                if (
                    any(mask[start:end])
                    and not any(plant_mask[start:end])
                    and not any(natural_mask[start:end])
                ):
                    wrong.append(
                        {
                            "id": rec["id"],
                            "line": _clip(text[start:end]),
                            **why(doc_spans, start, end),
                        }
                    )
    out: dict[str, Any] = {
        "docs": len(records),
        "planted_units": len(gold),
        "precision": _share(planted_gone, removed),
        "precision_planting": _share(planted_gone, removed - natural),
        "base_removed": _share(base_gone, base_total),
        "recall": _share(planted_gone, planted),
        "unit_recall": _share(units_caught, len(gold)),
        "unit_recall_by_kind": {k: _share(c, n) for k, (c, n) in sorted(by_kind.items())},
    }
    if examples:
        out["examples"] = {
            "planted_kept": missed[:EXAMPLES],
            "removed_because_of_planting": wrong[:EXAMPLES],
        }
    return out
