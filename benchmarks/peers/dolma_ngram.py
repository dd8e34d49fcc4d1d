"""Peer: Dolma's deduper in paragraph n-gram overlap mode (``dedupe.paragraphs.by_ngram``).

Why: the strongest peer on quality in an earlier, independent measurement. Each newline-separated
paragraph is cut into word n-grams (5 here, stride 0: every n-gram); the whole paragraph is marked
when at least ``--threshold`` of its n-grams were already in the Bloom filter (its unseen n-grams
are added either way); a paragraph with fewer than two n-grams is compared whole. So it finds
passages copied with light noise and sentences copied into new paragraphs, and marks whole lines
only. Run as ``dolma_bff`` runs: Dolma's CLI on its own gzip shards, writing attributes only.
"""

from __future__ import annotations

from benchmarks.peers._common import args
from benchmarks.peers.dolma_bff import run

NGRAM = 5


def main() -> None:
    a = args()
    by_ngram = {"ngram_length": NGRAM, "stride": 0, "overlap_threshold": a.threshold}
    run(a, {"by_ngram": by_ngram}, keys_per_char=1 / 5)


if __name__ == "__main__":
    main()
