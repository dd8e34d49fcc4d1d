"""A generated corpus of real prose with planted noisy copies, within and across documents."""

from __future__ import annotations

import random
import re
import textwrap
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


BSD_DISCLAIMER = (
    "THIS SOFTWARE IS PROVIDED BY THE REGENTS AND CONTRIBUTORS ``AS IS'' AND ANY EXPRESS OR "
    "IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF "
    "MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED.  IN NO EVENT SHALL "
    "THE REGENTS OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, "
    "EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF "
    "SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) "
    "HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, "
    "OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS "
    "SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE."
)


def licence_variant_copied() -> list[tuple[str, str]]:
    """BSD's disclaimer (``THE REGENTS``), a later file's variant of it (``THE COPYRIGHT
    HOLDERS``, ``HOLDER``, other quotes) and a copy of the variant wrapped otherwise."""
    variant = (
        BSD_DISCLAIMER.replace("THE REGENTS AND", "THE COPYRIGHT HOLDERS AND")
        .replace("THE REGENTS OR", "THE COPYRIGHT HOLDER OR")
        .replace("``AS IS''", '"AS IS"')
        .replace(".  ", ". ")
    )
    return [
        ("BSD", textwrap.fill(BSD_DISCLAIMER, 74) + "\n"),
        ("one", textwrap.fill(variant, 78) + "\n"),
        ("two", textwrap.fill(variant, 70) + "\n"),
    ]
