"""The Dolma attributes dedupe_docs writes (``dolma_attributes=True``) applied by Dolma's own
mixer (``dolma mix`` with span replacement): every removed span, and nothing else, leaves the
documents, at the same code-point offsets, non-ASCII text before a span included.

Dolma pins numpy<2 and s3fs==2023.6.0, so it cannot share the test environment; scripts/test.sh
installs it into ``.venv-dolma`` and the test runs its ``dolma`` command."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import dedupe_docs
from tests.helpers.corpus import planted

ROOT = Path(__file__).parent.parent


def dolma_command() -> str | None:
    """``$DEDUPE_DOCS_DOLMA``, else the ``dolma`` of ``.venv-dolma``, else one on the PATH."""
    for candidate in (os.environ.get("DEDUPE_DOCS_DOLMA"), ROOT / ".venv-dolma" / "bin" / "dolma"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return shutil.which("dolma")


DOLMA = dolma_command()
pytestmark = pytest.mark.skipif(
    DOLMA is None,
    reason="Dolma's `dolma` command is not installed: scripts/test.sh installs it into .venv-dolma",
)


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_dolma_mixer_applies_the_attributes(paragraphs: list[str], tmp_path: Path) -> None:
    docs = planted(paragraphs, 30, seed=3)
    docs.append(("unicode", "Ünïcödé — “quoted” ✓ 😀 before a copy\n" + docs[0][1]))
    documents = tmp_path / "data" / "documents"
    documents.mkdir(parents=True)
    with gzip.open(documents / "part.jsonl.gz", "wt", encoding="utf-8") as f:
        for i, text in docs:
            f.write(json.dumps({"id": i, "text": text, "source": "test"}) + "\n")
    out = tmp_path / "out"
    dedupe_docs.run([documents / "part.jsonl.gz"], out, dolma_attributes=True)
    # Dolma finds a document file's attributes at attributes/<name>/<its path below documents/>.
    (attributes,) = [p for p in out.rglob("*") if "attributes" in str(p.relative_to(out))]
    lines = attributes.read_bytes()
    if attributes.suffix == ".gz":
        lines = gzip.decompress(lines)
    (tmp_path / "data" / "attributes" / "dedupe").mkdir(parents=True)
    with gzip.open(tmp_path / "data" / "attributes" / "dedupe" / "part.jsonl.gz", "wb") as f:
        f.write(lines)
    replace = [
        {"span": f"$.attributes.dedupe_docs__{reason}", "min_score": 0.0, "replacement": ""}
        for reason in ("duplicate", "repeat", "boilerplate")
    ]
    stream = {
        "name": "cleaned",
        "documents": [str(documents / "*.jsonl.gz")],
        "attributes": ["dedupe"],
        "output": {"path": str(tmp_path / "mixed"), "max_size_in_bytes": 1 << 30},
        "span_replacement": replace,
    }
    config = tmp_path / "mix.json"
    config.write_text(json.dumps({"streams": [stream], "processes": 1, "shuffle": False}))
    assert DOLMA is not None
    done = subprocess.run(
        [DOLMA, "-c", str(config), "mix"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]

    mixed = {
        d["id"]: d["text"]
        for d in read_jsonl_gz(tmp_path / "mixed" / "documents" / "part.jsonl.gz")
    }
    cleaned = {c.id: c for c in dedupe_docs.clean(docs)}
    assert set(mixed) == set(cleaned)
    assert cleaned["unicode"].removed  # the copy after the non-ASCII line goes
    for i, text in docs:
        expected = text
        for r in reversed(cleaned[i].removed):
            expected = expected[: r.start] + expected[r.end :]
        assert mixed[i] == expected, i
        # dedupe_docs also drops the whitespace that separated removed blocks; Dolma keeps it.
        assert mixed[i].split() == cleaned[i].text.split(), i
    assert sum(len(c.removed) for c in cleaned.values()) > 10
