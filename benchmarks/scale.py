"""Scale numbers: per-core rate, Ray engine overhead, persisted-index size and throughput.

    python benchmarks/scale.py --mb 20 [--ray]
    python benchmarks/scale.py --corpus benchmarks/data/corpus-100mb/docs --ray

Cleans a corpus (generated: real prose from Python's own documentation with planted noisy
copies; or a benchmark corpus folder) with ``--jobs 1``, optionally with the Ray engine on 2
CPUs beside the local engine with ``--jobs 2``, and in two batches through a persisted index
(build: the first batch into an empty index; query: the second batch cleaned against it, and
the bare hash lookup of its shingles); prints one JSON object. The machine may be shared:
compare numbers measured side by side only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

import numpy as np

import dedupe_docs
from benchmarks import report
from dedupe_docs import pipeline
from dedupe_docs.config import Config
from dedupe_docs.drivers.persist import Store, info
from dedupe_docs.stages import sign
from dedupe_docs.stages.read import read
from tests.helpers.corpus import planted, prose_paragraphs


def corpus(mb: float) -> list[tuple[str, str]]:
    """About ``mb`` MB of documents: planted corpora with shuffled-word paragraphs so that the
    text does not simply repeat once the real prose runs out."""
    paragraphs = prose_paragraphs()
    rng = random.Random(0)
    docs: list[tuple[str, str]] = []
    size, round_ = 0, 0
    while size < mb * 1e6:
        pool = [" ".join(rng.sample(p.split(), len(p.split()))) for p in paragraphs]
        for i, text in planted(pool, 200, seed=round_):
            docs.append((f"r{round_}-{i}", text))
            size += len(text.encode())
        round_ += 1
    return docs


def timed(func: object, *args: object, **kwargs: object) -> float:
    started = time.perf_counter()
    func(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--corpus", type=Path, help="a folder of documents instead")
    parser.add_argument("--ray", action="store_true")
    parser.add_argument("--record", action="store_true", help="add the numbers to RESULTS.md")
    args = parser.parse_args()
    docs = [(d.id, d.text) for d in read([args.corpus])] if args.corpus else corpus(args.mb)
    mb = sum(len(t.encode()) for _, t in docs) / 1e6
    out: dict[str, object] = {"mb": round(mb, 1), "documents": len(docs)}
    dedupe_docs.clean(docs[:50])  # compiled kernels loaded before timing
    out["local_jobs1_s"] = round(timed(dedupe_docs.clean, docs, jobs=1), 2)
    out["local_jobs1_mb_per_s"] = round(mb / out["local_jobs1_s"], 2)
    if args.ray:
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        out["ray_warmup_s"] = round(timed(dedupe_docs.clean, docs[:50], engine="ray"), 2)
        out["local_jobs2_s"] = round(timed(dedupe_docs.clean, docs, jobs=2), 2)
        out["ray_2cpu_s"] = round(timed(dedupe_docs.clean, docs, engine="ray", jobs=2), 2)
        out["ray_overhead"] = round(out["ray_2cpu_s"] / out["local_jobs2_s"], 2)
    with tempfile.TemporaryDirectory() as tmp:
        half = len(docs) // 2
        index = Path(tmp) / "index"
        first = timed(pipeline.run, docs[:half], Path(tmp) / "a", index=index)
        second = timed(pipeline.run, docs[half:], Path(tmp) / "b", index=index)
        numbers = info(index)
        out["index_batch1_s"] = round(first, 2)
        out["index_batch2_s"] = round(second, 2)
        shingles = sign.sign([t for _, t in docs[half:]], Config()).shingles
        shingles = np.unique(shingles[shingles != 0])
        store = Store(index)
        lookup = timed(store.lookup, shingles)
        store.close()
        batch_mb = [
            sum(len(t.encode()) for _, t in part) / 1e6 for part in (docs[:half], docs[half:])
        ]
        out["index_build_mb_per_s"] = round(batch_mb[0] / first, 2)
        out["index_query_mb_per_s"] = round(batch_mb[1] / second, 2)
        out["index_lookup_shingles_per_s"] = round(len(shingles) / lookup)
        out["index_bytes"] = numbers["bytes"]
        out["index_shingles"] = numbers["shingles"]
        out["index_bytes_per_text_byte"] = round(numbers["bytes"] / (mb * 1e6), 2)
    print(json.dumps(out, indent=2))
    if args.record:  # into results.json, and RESULTS.md rendered again
        results = Path(__file__).parent / "results.json"
        res = json.loads(results.read_text())
        out["command"] = "python benchmarks/scale.py " + " ".join(sys.argv[1:])
        out["corpus"] = args.corpus.parent.name if args.corpus else f"generated, {args.mb} MB"
        res["scale"] = [out]
        results.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
        (results.parent / "RESULTS.md").write_text(report.markdown(res))


if __name__ == "__main__":
    main()
