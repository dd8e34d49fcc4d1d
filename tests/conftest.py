"""Shared fixtures: real prose (Python's own documentation ships in every install)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def prose_paragraphs() -> list[str]:
    """Distinct English paragraphs of 40+ words from ``pydoc_data.topics``, unwrapped."""
    from pydoc_data.topics import topics

    seen, out = set(), []
    for key in sorted(topics):
        for para in re.split(r"\n\s*\n", topics[key]):
            if para.startswith((" ", "*", "-")) or ">>>" in para:
                continue
            flat = " ".join(para.split())
            if len(flat.split()) >= 40 and flat.lower() not in seen:
                seen.add(flat.lower())
                out.append(flat)
    return out


@pytest.fixture(scope="session")
def paragraphs() -> list[str]:
    return prose_paragraphs()


SEEDS = Path(__file__).parent.parent / "seeds"
