"""Character-level scoring of removed spans against ``gold.jsonl``.

Why: a tool is judged on what text it removed, not on how it groups it. Only non-whitespace
characters count, so line-joining choices do not matter. Gold "trap" spans (unrelated passages
sharing common phrases) and "mosaic_new" spans (the new sentences of a mosaic paragraph) are
negatives: removing any of them is a false positive. Mosaic copies (sentences of earlier documents
inside an original paragraph) are a harder kind that the quality gate does not require yet, so the
score is also given ``without_mosaic``: mosaic copy characters counted neither way. Works for
dedupe_docs's ``provenance.jsonl`` and for peers' ``removed.jsonl`` (same records, fewer fields).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import NEGATIVE

_WS = np.array([9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                0x2028, 0x2029, 0x202F, 0x205F, 0x3000], dtype=np.uint32)


def _loads(line: str | bytes) -> Any:
    try:
        import orjson

        return orjson.loads(line)
    except ImportError:
        return json.loads(line)


def iter_docs(corpus: Path) -> Iterator[tuple[str, str]]:
    """(id, text) in corpus order: ``docs/**/*.txt`` sorted by relative path, else corpus.jsonl."""
    docs = corpus / "docs"
    if docs.is_dir():
        for path in sorted(docs.rglob("*.txt"), key=lambda p: p.relative_to(docs).as_posix()):
            with path.open(encoding="utf-8", newline="") as f:
                yield path.relative_to(docs).as_posix(), f.read()
    else:
        with (corpus / "corpus.jsonl").open("rb") as f:
            for line in f:
                rec = _loads(line)
                yield rec["id"], rec["text"]


def load_by_id(path: Path, field: str | None) -> dict[str, list[dict[str, Any]]]:
    """Group JSONL records by ``id``; with ``field``, collect that list from each record."""
    out: dict[str, list[dict[str, Any]]] = {}
    with path.open("rb") as f:
        for line in f:
            rec = _loads(line)
            items = rec.get(field) or [] if field else [rec]
            out.setdefault(rec["id"], []).extend(items)
    return out


def _cumsum(mask: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])


def _prf(tp: int, removed: int, gold: int) -> tuple[float, float, float]:
    p = tp / removed if removed else 1.0
    r = tp / gold if gold else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def score(corpus: Path, removed_path: Path, max_examples: int = 3) -> dict[str, Any]:
    """Score the removed spans in ``removed_path`` against ``corpus/gold.jsonl``."""
    gold = load_by_id(corpus / "gold.jsonl", None)
    removed = load_by_id(removed_path, "removed")
    kinds: dict[str, list[int]] = {}
    tot = {"total": 0, "removed": 0, "tp": 0, "gold": 0, "lines": 0, "lost": 0,
           "src_spans": 0, "src_ok": 0, "removed_wm": 0, "tp_wm": 0, "gold_wm": 0}
    missed: list[dict[str, Any]] = []
    false: list[dict[str, Any]] = []
    for doc_id, text in iter_docs(corpus):
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        nonws = ~np.isin(cps, _WS)
        pos = np.zeros(len(text), dtype=bool)
        gidx = np.full(len(text), -1, dtype=np.int32)
        mosaic = np.zeros(len(text), dtype=bool)
        recs = gold.get(doc_id, [])
        for i, g in enumerate(recs):
            span = slice(g["start"], g["end"])
            gidx[span] = i
            mosaic[span] |= g["kind"] == "mosaic"
            if g["kind"] not in NEGATIVE:
                pos[span] = True
                for s, e in g["exclude"]:
                    pos[s:e] = False
                    gidx[s:e] = -1
        rem = np.zeros(len(text), dtype=bool)
        spans = removed.get(doc_id, [])
        for r in spans:
            rem[r["start"] : r["end"]] = True
        rem &= nonws
        pos &= nonws
        tot["total"] += int(nonws.sum())
        tot["removed"] += int(rem.sum())
        tot["tp"] += int((rem & pos).sum())
        tot["gold"] += int(pos.sum())
        tot["removed_wm"] += int((rem & ~mosaic).sum())
        tot["tp_wm"] += int((rem & pos & ~mosaic).sum())
        tot["gold_wm"] += int((pos & ~mosaic).sum())
        cs_pos, cs_rem = _cumsum(pos), _cumsum(rem)
        for i, g in enumerate(recs):
            own = gidx == i
            negative = g["kind"] in NEGATIVE
            n = int((own & (nonws if negative else pos)).sum())
            hit = int((own & rem).sum())
            k = kinds.setdefault(g["kind"], [0, 0])
            k[0] += n
            k[1] += hit
            bad = hit > 0 if negative else hit < 0.5 * n
            if bad and len(missed) < 4 * max_examples:
                missed.append({"kind": g["kind"], "id": doc_id, "start": g["start"],
                               "end": g["end"], "removed_chars": hit, "chars": n,
                               "text": text[g["start"] : g["end"]][:300], "source": g["source"]})
        # content loss: never-planted lines (no gold copy char) that lost a character
        nl = np.flatnonzero(cps == 10)
        starts = np.concatenate([[0], nl + 1])
        ends = np.concatenate([nl, [len(text)]])
        cs_nonws = _cumsum(nonws)
        unique = (cs_nonws[ends] > cs_nonws[starts]) & (cs_pos[ends] == cs_pos[starts])
        lost = unique & (cs_rem[ends] > cs_rem[starts])
        tot["lines"] += int(unique.sum())
        tot["lost"] += int(lost.sum())
        for r in spans:  # keep the largest false removals as examples
            fp = int((rem[r["start"] : r["end"]] & ~pos[r["start"] : r["end"]]).sum())
            if fp and (len(false) < max_examples or fp > false[-1]["false_chars"]):
                false.append({"id": doc_id, "false_chars": fp, **r,
                              "text": text[r["start"] : r["end"]][:300]})
                false.sort(key=lambda x: -x["false_chars"])
                del false[max_examples:]
        for r in spans:
            src = r.get("source")
            idx = gidx[r["start"] : r["end"]]
            idx = idx[idx >= 0]
            if src is None or not len(idx):
                continue
            g = recs[int(np.bincount(idx).argmax())]
            if g["kind"] not in NEGATIVE:
                tot["src_spans"] += 1
                tot["src_ok"] += int(src["id"] == g["source"]["id"])
    p, r, f1 = _prf(tot["tp"], tot["removed"], tot["gold"])
    pw, rw, f1w = _prf(tot["tp_wm"], tot["removed_wm"], tot["gold_wm"])
    return {
        "precision": p, "recall": r, "f1": f1,
        "without_mosaic": {"precision": pw, "recall": rw, "f1": f1w},
        "chars": tot["total"], "gold_chars": tot["gold"], "removed_chars": tot["removed"],
        "removed_share": tot["removed"] / tot["total"] if tot["total"] else 0.0,
        "per_kind": {k: {"chars": n, "removed": h, "share": h / n if n else 1.0}
                     for k, (n, h) in sorted(kinds.items())},
        "source_match": tot["src_ok"] / tot["src_spans"] if tot["src_spans"] else None,
        "unique_lines": tot["lines"], "content_loss_lines": tot["lost"],
        "examples": {"missed_or_trap": missed, "false_removals": false},
    }


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", type=Path, help="folder with docs/ (or corpus.jsonl), gold.jsonl")
    ap.add_argument("removed", type=Path, help="provenance.jsonl or removed.jsonl")
    args = ap.parse_args()
    print(json.dumps(score(args.corpus, args.removed), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
