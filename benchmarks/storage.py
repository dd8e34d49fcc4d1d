"""Inputs and outputs on S3 beside a local disk: ``dedupe_docs.run`` from a local folder to a
local folder, and from an S3 prefix to an S3 prefix, on a moto S3 server on 127.0.0.1.

    python benchmarks/storage.py --corpus /tmp/stbench/txt

The corpus folder's ``.txt`` files are also written as six JSON lines shards (``.jsonl.gz``),
both are uploaded to the server, and each layout is cleaned locally and through S3 (also with
``output_parts=4``), one run after the other in this process (a first run compiles the kernels).
It prints the wall time of each run, its read stage, and whether the S3 output holds the same
bytes as the local one (every file but ``report.json``). moto answers one request at a time,
so the S3 times are an upper bound set by the number of requests, not by a real store's
bandwidth.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a folder of .txt files")
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_EC2_METADATA_DISABLED="true",
    )
    import s3fs

    import dedupe_docs

    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            texts = sorted(args.corpus.rglob("*.txt"))
            shards = root / "jsonl"
            shards.mkdir()
            for k in range(6):
                rows = texts[k::6]
                lines = "".join(
                    json.dumps({"id": p.relative_to(args.corpus).as_posix(), "text": p.read_text()})
                    + "\n"
                    for p in rows
                )
                data = gzip.compress(lines.encode(), mtime=0)
                (shards / f"part-{k}.jsonl.gz").write_bytes(data)
            fs = s3fs.S3FileSystem()
            fs.mkdir("bench")
            for name, folder in (("txt", args.corpus), ("jsonl", shards)):
                files = sorted(p for p in folder.rglob("*") if p.is_file())
                fs.pipe(
                    {
                        f"bench/{name}/{p.relative_to(folder).as_posix()}": p.read_bytes()
                        for p in files
                    }
                )
            dedupe_docs.run([shards], root / "warm-up")  # compiles the kernels
            mb = sum(len(p.read_bytes()) for p in texts) / 1e6
            print(f"{len(texts)} text files, {mb:.1f} MB\n")
            print("| input | options | local s (read) | S3 s (read) | same bytes |")
            print("|---|---|---|---|---|")
            for name, folder, parts in (
                ("txt", args.corpus, None),
                ("jsonl", shards, None),
                ("jsonl", shards, 4),
            ):
                label = f"output_parts={parts}" if parts else "default"
                began = time.perf_counter()
                here = root / f"out-{name}-{parts}"
                local = dedupe_docs.run([folder], here, output_parts=parts)
                local_s = time.perf_counter() - began
                began = time.perf_counter()
                key = f"bench/out-{name}-{parts}"
                remote = dedupe_docs.run([f"s3://bench/{name}/"], f"s3://{key}", output_parts=parts)
                remote_s = time.perf_counter() - began
                mine = {
                    p.relative_to(here).as_posix(): p.read_bytes()
                    for p in here.rglob("*")
                    if p.is_file() and p.name != "report.json"
                }
                theirs = {
                    p[len(key) + 1 :]: fs.cat_file(p)
                    for p in fs.find(key)
                    if not p.endswith("/report.json")
                }
                read_l, read_r = local["timings"]["read"], remote["timings"]["read"]
                print(
                    f"| {name} | {label} | {local_s:.2f} ({read_l:.2f}) | {remote_s:.2f} "
                    f"({read_r:.2f}) | {'yes' if mine == theirs else 'NO'} |"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
