"""The provenance invariants of the output contract, asserted on library results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dedupe_docs import CleanedDocument


def check(texts: Mapping[str, str], cleaned: Sequence[CleanedDocument], threshold: float) -> None:
    """Assert invariants 1-4 of DESIGN.md §4 (5, determinism, is tested by running twice)."""
    by_id = {c.id: c for c in cleaned}
    assert set(by_id) == set(texts)
    for c in cleaned:
        text = texts[c.id]
        assert c.length == len(text)
        spans = sorted(
            [(k.start, k.end, "kept") for k in c.kept]
            + [(r.start, r.end, r.reason) for r in c.removed]
        )
        pos = 0
        for s, e, what in spans:
            assert pos <= s < e <= len(text), (c.id, s, e, what)
            assert not text[pos:s].strip(), (c.id, "uncovered", text[pos:s][:60])
            pos = e
        assert not text[pos:].strip(), (c.id, "uncovered tail")
        out = 0
        for k in c.kept:  # 1 and 3: kept text verbatim, joined by whitespace only
            assert c.text[k.out_start : k.out_end] == text[k.start : k.end]
            assert not c.text[out : k.out_start].strip()
            out = k.out_end
        assert not c.text[out:].strip()
    for c in cleaned:  # 4: sources survive, similarity meets the threshold
        for r in c.removed:
            if r.reason == "boilerplate":
                assert r.source is None
                continue
            assert r.source is not None and r.similarity is not None
            assert r.similarity >= threshold
            src = by_id[r.source.id]
            assert any(k.start <= r.source.start and r.source.end <= k.end for k in src.kept), (
                c.id,
                r,
                "source does not survive",
            )
