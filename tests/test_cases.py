"""Golden cases kept in files (the way ftfy keeps its test cases): each folder of ``tests/cases``
holds ``input/`` (the documents), ``case.json`` (a label, the options, and the reason and rule of
each removed span in output order) and ``provenance.jsonl`` (the provenance a run writes, byte for
byte).

A new case: write ``input/`` and ``case.json``, then ``python -m tests.test_cases NAME`` writes
its ``provenance.jsonl``; read it before committing it (the test checks it against the reasons
and rules of ``case.json``, and the output invariants).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs.stages import reworded
from tests.helpers.invariants import check

CASES = Path(__file__).parent / "cases"


def run_case(case: Path, out: Path) -> bytes:
    """The provenance that cleaning the case's inputs with its options writes."""
    options = json.loads((case / "case.json").read_text(encoding="utf-8"))["options"]
    dedupe_docs.run([case / "input"], out, dedupe_docs.Config(**options))
    return (out / "provenance.jsonl").read_bytes()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_case(case: str, tmp_path: Path) -> None:
    folder = CASES / case
    spec = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    written = run_case(folder, tmp_path / "out")
    assert written == (folder / "provenance.jsonl").read_bytes(), spec["label"]
    texts = {p.name: p.read_text(encoding="utf-8") for p in (folder / "input").iterdir()}
    cleaned = dedupe_docs.clean([folder / "input"], **spec["options"])
    removed = [[r.reason, r.rule] for c in cleaned for r in c.removed]
    assert removed == spec["removed"], spec["label"]
    config = dedupe_docs.Config(**spec["options"])
    threshold = config.threshold  # a reworded passage's similarity is its score, floor its own
    if config.reuse != "exact":
        threshold = min(threshold, reworded.THRESHOLD)
    check(texts, cleaned, threshold)


def test_there_are_cases_of_every_reason_and_rule() -> None:
    specs = [json.loads((p / "case.json").read_text()) for p in CASES.iterdir()]
    seen = {tuple(r) for spec in specs for r in spec["removed"]}
    assert {reason for reason, _ in seen} == set(dedupe_docs.types.REASONS)
    assert {rule for _, rule in seen} == set(dedupe_docs.types.RULES)
    assert any(not spec["removed"] for spec in specs)  # and one where nothing goes


if __name__ == "__main__":  # python -m tests.test_cases NAME...: write the cases' provenance
    import tempfile

    for name in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            (CASES / name / "provenance.jsonl").write_bytes(run_case(CASES / name, Path(tmp) / "o"))
