"""A generated corpus of real prose with planted noisy copies, within and across documents."""

from __future__ import annotations

import random
import re
from pathlib import Path

from tests.helpers import noise

CHROME = ["Reply", "Share this", "Delete", "Posted by admin"]


def planted(paragraphs: list[str], n_docs: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n_docs`` documents of a few prose paragraphs each; a third of the paragraphs are noisy
    copies of earlier ones (any document), and most pages carry a line of site chrome."""
    rng = random.Random(seed)
    pool = paragraphs[: 4 * n_docs]
    used: list[str] = []
    docs = []
    for d in range(n_docs):
        parts = []
        for _ in range(rng.randint(2, 5)):
            if used and rng.random() < 0.35:
                kind = rng.choice(sorted(noise.KINDS))
                parts.append(noise.KINDS[kind](rng.choice(used), rng))
            else:
                para = pool[rng.randrange(len(pool))]
                used.append(para)
                parts.append(para)
            if rng.random() < 0.5:
                parts.append(rng.choice(CHROME))
        docs.append((f"doc{d:04d}", "\n\n".join(parts) + "\n"))
    return docs


SEEDS = Path(__file__).parents[2] / "seeds"
"""The five seed documents of the README example."""


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
