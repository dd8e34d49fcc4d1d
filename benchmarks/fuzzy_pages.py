"""Pages of fuzzy copies: the corpus of the slow bounded-memory test, at any size.

    python benchmarks/fuzzy_pages.py benchmarks/data/fuzzy-pages-200mb/docs --pages 320

Each page joins the 400 planted documents of one seed (``tests/helpers/corpus.py``: prose paragraphs
with noisy copies of each other), so every page repeats paragraphs of the others and a bounded
run (``--max-memory``) finds the sources of every batch in every earlier one; pages of about
640 KB also show what large documents cost. 320 pages make 210 MB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.helpers.corpus import planted, prose_paragraphs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path, help="the folder to write the pages into")
    parser.add_argument("--pages", type=int, default=320)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    paragraphs = prose_paragraphs()
    for page in range(args.pages):
        docs = planted(paragraphs, 400, seed=page)
        (args.out / f"{page:03d}.txt").write_text("\n".join(text for _, text in docs))


if __name__ == "__main__":
    main()
