"""Inputs and outputs on shared storage (issue 21): a local S3-compatible server (moto in server
mode on 127.0.0.1) and the real s3fs client against it. A run from S3 to S3 writes the bytes a
local run writes; a missing bucket or missing credentials is an error naming the URL; an
output there is replaced only as --overwrite allows, and a failed run leaves it as it was."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs import DedupeError, InputError, OutputError
from dedupe_docs.runtime import remote
from tests.helpers.clihelp import invoke
from tests.helpers.corpus import SEEDS
from tests.test_shards import records, write_jsonl

s3fs = pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

BUCKET = "corpus"
CFG = dedupe_docs.Config(min_tokens=8)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free port of 127.0.0.1, stopped after the module's tests."""
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Credentials and endpoint the standard way (AWS_* environment variables), no other
    source of credentials, a fresh bucket; yields an s3fs filesystem on it."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    if fs.exists(BUCKET):
        fs.rm(BUCKET, recursive=True)
    fs.mkdir(BUCKET)
    yield fs
    s3fs.S3FileSystem.clear_instance_cache()


def put(fs: object, local: Path, key: str) -> str:
    """Upload a local folder below ``s3://corpus/<key>/``; return its URL."""
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        fs.pipe_file(f"{BUCKET}/{key}/{path.relative_to(local).as_posix()}", path.read_bytes())  # type: ignore[attr-defined]
    return f"s3://{BUCKET}/{key}/"


def fetch(fs: object, key: str) -> dict[str, bytes]:
    """Every object below ``s3://corpus/<key>/`` by its relative path."""
    found = fs.find(f"{BUCKET}/{key}")  # type: ignore[attr-defined]
    return {p[len(f"{BUCKET}/{key}/") :]: fs.cat_file(p) for p in found}  # type: ignore[attr-defined]


def local_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def same_outputs(remote_files: dict[str, bytes], local: Path) -> None:
    """The same files with the same bytes, but report.json (run id, timings, input paths)."""
    here = local_files(local)
    assert sorted(remote_files) == sorted(here)
    for name, data in here.items():
        if name != "report.json":
            assert remote_files[name] == data, name
    a, b = json.loads(remote_files["report.json"]), json.loads(here["report.json"])
    for key in ("documents", "chars_in", "chars_out", "removed_chars", "removed_spans"):
        assert a[key] == b[key], key
    assert a["tool"] == "dedupe-docs" and "state" not in a


@pytest.fixture
def shard_folder(tmp_path: Path) -> Path:
    """JSON lines shards in three compressions, and a copy in another shard."""
    rows = records()
    folder = tmp_path / "crawl"
    write_jsonl(folder / "a" / "part-0.jsonl", rows[:2])
    write_jsonl(folder / "a" / "part-1.jsonl.gz", rows[2:4])
    write_jsonl(folder / "b" / "part-2.jsonl.zst", rows[4:])
    return folder


def test_s3_folders_in_and_out_give_the_bytes_of_a_local_run(
    s3: object, shard_folder: Path, tmp_path: Path
) -> None:
    crawl = put(s3, shard_folder, "crawl")
    texts = put(s3, SEEDS, "texts")
    report = dedupe_docs.run([crawl], f"s3://{BUCKET}/clean/", CFG)
    assert report["documents"] == 6 and report["removed_chars"]["duplicate"] > 0
    dedupe_docs.run([shard_folder], tmp_path / "local", CFG)
    same_outputs(fetch(s3, "clean"), tmp_path / "local")
    assert report["inputs"]["paths"] == [crawl]  # a URL is recorded as given

    dedupe_docs.run([texts], f"s3://{BUCKET}/clean-texts", CFG)
    dedupe_docs.run([SEEDS], tmp_path / "local-texts", CFG)
    same_outputs(fetch(s3, "clean-texts"), tmp_path / "local-texts")
    # threads reading and writing, and batches in bounded memory: the same bytes
    bounded = CFG.evolve(jobs=2, max_memory="300M")
    dedupe_docs.run([crawl, texts], f"s3://{BUCKET}/both", bounded)
    dedupe_docs.run([shard_folder, SEEDS], tmp_path / "both", CFG)
    same_outputs(fetch(s3, "both"), tmp_path / "both")
    # nothing is left under a temporary prefix
    assert sorted(p.rpartition("/")[2] for p in s3.ls(BUCKET)) == [  # type: ignore[attr-defined]
        "both",
        "clean",
        "clean-texts",
        "crawl",
        "texts",
    ]


def test_a_glob_and_a_single_file_on_s3(s3: object, shard_folder: Path, tmp_path: Path) -> None:
    put(s3, shard_folder, "crawl")
    pattern = f"s3://{BUCKET}/crawl/**/*.jsonl*"
    dedupe_docs.run([pattern], f"s3://{BUCKET}/out-glob", CFG)
    dedupe_docs.run([str(shard_folder / "**" / "*.jsonl*")], tmp_path / "g", CFG)
    same_outputs(fetch(s3, "out-glob"), tmp_path / "g")

    single = f"s3://{BUCKET}/crawl/b/part-2.jsonl.zst"
    dedupe_docs.run([single], f"s3://{BUCKET}/out-one", CFG)
    dedupe_docs.run([shard_folder / "b" / "part-2.jsonl.zst"], tmp_path / "one", CFG)
    same_outputs(fetch(s3, "out-one"), tmp_path / "one")
    assert "clean.jsonl.zst" in fetch(s3, "out-one")


def test_a_missing_bucket_is_an_error_naming_the_url(s3: object, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        dedupe_docs.run(["s3://no-such-bucket/crawl/"], tmp_path / "out")
    assert str(err.value) == "s3://no-such-bucket/crawl/: The specified bucket does not exist"
    assert not (tmp_path / "out").exists()
    with pytest.raises(OutputError) as out_err:
        dedupe_docs.run([SEEDS], "s3://no-such-bucket/clean/")
    assert str(out_err.value).startswith("s3://no-such-bucket/clean: ")
    assert "bucket does not exist" in str(out_err.value)

    code, _, stderr = invoke("clean", "s3://no-such-bucket/crawl/", "--out", str(tmp_path / "o"))
    assert code == 1
    assert stderr == (
        "dedupe-docs: error: s3://no-such-bucket/crawl/: The specified bucket does not exist\n"
    )


def test_no_credentials_is_an_error_with_the_fix(
    s3: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    s3fs.S3FileSystem.clear_instance_cache()
    with pytest.raises(DedupeError) as err:
        dedupe_docs.run([f"s3://{BUCKET}/crawl/"], tmp_path / "out")
    message = str(err.value)
    assert message.startswith(f"s3://{BUCKET}/crawl/: no credentials found (set AWS_ACCESS_KEY_ID")
    assert "Traceback" not in message


def test_storage_options_give_endpoint_and_keys(
    s3: object, s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = put(s3, SEEDS, "texts")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name)
    s3fs.S3FileSystem.clear_instance_cache()
    options = {"endpoint_url": s3_endpoint, "key": "testing", "secret": "testing"}
    code, _, stderr = invoke(
        "clean",
        texts,
        "--out",
        f"s3://{BUCKET}/via-cli/",
        "--storage-options",
        json.dumps(options),
        "--min-tokens",
        "8",
    )
    assert code == 0, stderr
    assert f"wrote s3://{BUCKET}/via-cli/: clean/ (5 files)" in stderr
    dedupe_docs.run([SEEDS], tmp_path / "local", CFG)
    same_outputs(fetch(s3, "via-cli"), tmp_path / "local")
    code, _, stderr = invoke(
        "clean", texts, "--out", str(tmp_path / "x"), "--storage-options", "[1]"
    )
    assert code == 1
    assert "--storage-options: a JSON object is needed, not a list" in stderr


def test_overwrite_on_s3_replaces_only_an_output_of_dedupe_docs(s3: object, tmp_path: Path) -> None:
    texts = put(s3, SEEDS, "texts")
    out = f"s3://{BUCKET}/clean"
    dedupe_docs.run([texts], out)
    with pytest.raises(OutputError, match="exists and is not empty"):
        dedupe_docs.run([texts], out)
    # a rerun over fewer files replaces the folder: no file of the first run is left
    few = tmp_path / "few"
    few.mkdir()
    (few / "one.txt").write_text("A single document, alone in its folder.\n")
    dedupe_docs.run([few], out, overwrite=True)
    assert sorted(fetch(s3, "clean")) == ["clean/one.txt", "provenance.jsonl", "report.json"]
    # a folder the user wrote to is never replaced, at any depth
    s3.pipe_file(f"{BUCKET}/clean/clean/deep/notes.txt", b"mine")  # type: ignore[attr-defined]
    with pytest.raises(OutputError, match=r"holds clean/deep/notes\.txt, which dedupe-docs did"):
        dedupe_docs.run([texts], out, overwrite=True)
    s3.rm_file(f"{BUCKET}/clean/clean/deep/notes.txt")  # type: ignore[attr-defined]
    s3.pipe_file(f"{BUCKET}/clean/notes.txt", b"mine")  # type: ignore[attr-defined]
    with pytest.raises(OutputError, match=r"holds notes\.txt, which dedupe-docs did not write"):
        dedupe_docs.run([texts], out, overwrite=True)
    s3.pipe_file(f"{BUCKET}/theirs/thesis.txt", b"precious")  # type: ignore[attr-defined]
    with pytest.raises(OutputError, match="not an output folder of dedupe-docs"):
        dedupe_docs.run([texts], f"s3://{BUCKET}/theirs", overwrite=True)
    assert fetch(s3, "theirs") == {"thesis.txt": b"precious"}
    with pytest.raises(OutputError, match="output folder is inside input"):
        dedupe_docs.run([texts], f"s3://{BUCKET}/texts/out")


def test_a_failed_run_leaves_the_old_output_and_no_temporary_prefix(
    s3: object, tmp_path: Path
) -> None:
    texts = put(s3, SEEDS, "texts")
    out = f"s3://{BUCKET}/clean"
    dedupe_docs.run([texts], out)
    before = fetch(s3, "clean")
    s3.pipe_file(f"{BUCKET}/texts/zz-bad.txt", b"\xff\xfe not utf-8 \x00")  # type: ignore[attr-defined]
    with pytest.raises(InputError, match=r"zz-bad\.txt"):
        dedupe_docs.run([texts], out, overwrite=True)
    assert fetch(s3, "clean") == before
    assert not [p for p in s3.ls(BUCKET) if ".tmp-" in p]  # type: ignore[attr-defined]


def test_a_commit_that_died_leaves_a_marked_folder_overwrite_replaces(s3: object) -> None:
    """The placeholder report.json a commit writes first keeps the folder recognisable."""
    out = remote.RemotePath.of(f"s3://{BUCKET}/clean")
    mark = {"tool": "dedupe-docs", "run_id": "0" * 32}
    with pytest.raises(RuntimeError), remote.atomic_folder(out, overwrite=False, mark=mark) as tmp:
        (tmp / "provenance.jsonl").write_bytes(b"{}\n")
        raise RuntimeError("killed before the commit")
    assert not s3.exists(f"{BUCKET}/clean")  # type: ignore[attr-defined]
    placeholder = {**mark, "state": "writing", "files": ["clean/a.txt"]}  # the commit's first
    (out / "report.json").write_bytes(json.dumps(placeholder).encode())
    (out / "clean" / "a.txt").write_bytes(b"half")
    dedupe_docs.run([SEEDS], str(out), overwrite=True)
    files = fetch(s3, "clean")
    assert "clean/a.txt" not in files and json.loads(files["report.json"])["documents"] == 5


def test_memory_filesystem_in_and_out(tmp_path: Path) -> None:
    """Any filesystem fsspec knows: its in-memory one, with text files, Parquet and bz2 shards."""
    fsspec = pytest.importorskip("fsspec")
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    local = tmp_path / "in"
    for path in sorted(SEEDS.glob("*.txt")):
        (local / "texts").mkdir(parents=True, exist_ok=True)
        (local / "texts" / path.name).write_bytes(path.read_bytes())
    rows = records()
    pq.write_table(pa.Table.from_pylist(rows[:3]), local / "rows.parquet")
    write_jsonl(local / "more" / "rows.jsonl.bz2", rows[3:])
    fs = fsspec.filesystem("memory")
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        fs.pipe_file(f"/seeds/{path.relative_to(local).as_posix()}", path.read_bytes())
    try:
        dedupe_docs.run(["memory://seeds"], "memory://out", CFG)
        dedupe_docs.run([local], tmp_path / "local", CFG)
        found = {p[len("/out/") :]: fs.cat_file(p) for p in fs.find("/out")}
        same_outputs(found, tmp_path / "local")
        assert "clean/rows.parquet" in found and "clean/more/rows.jsonl.bz2" in found
    finally:
        for folder in ("/seeds", "/out"):
            if fs.exists(folder):
                fs.rm(folder, recursive=True)


def test_numbered_parts_on_s3_read_back_as_one_dataset(
    s3: object, shard_folder: Path, tmp_path: Path
) -> None:
    ds = pytest.importorskip("pyarrow.dataset")
    crawl = put(s3, shard_folder, "crawl")
    report = dedupe_docs.run([crawl], f"s3://{BUCKET}/parts", CFG, output_parts=2)
    dedupe_docs.run([shard_folder], tmp_path / "local", CFG, output_parts=2)
    same_outputs(fetch(s3, "parts"), tmp_path / "local")
    assert [p["file"] for p in report["parts"]] == [
        "clean/part-00000.jsonl",
        "clean/part-00001.jsonl",
    ]
    table = ds.dataset(f"{BUCKET}/parts/clean", format="json", filesystem=s3).to_table()
    assert table.column("id").to_pylist() == [r["id"] for r in records()]


def test_pieces_placed_in_any_order_and_again(tmp_path: Path) -> None:
    """Emit tasks' pieces copied into their file at their offsets (``emit.place``), in any
    order, by several callers: the file the driver's appending made; placing them again (a
    task run again after its worker was lost, its pieces placed and gone) changes nothing."""
    from dedupe_docs.stages import emit

    datas = [b"first line\n" * 3, b"", "second, \u00e9\n".encode() * 1000, b"last\n"]
    target = tmp_path / "clean.jsonl"
    target.write_bytes(b"")
    placements, offset = [], 0
    for i, data in enumerate(datas):
        piece = tmp_path / f"{i}.piece"
        piece.write_bytes(data)
        placements.append((str(piece), str(target), offset))
        offset += len(data)
    emit.place(placements[2:])
    emit.place(placements[:2])
    emit.place(placements)
    assert target.read_bytes() == b"".join(datas)
    assert not list(tmp_path.glob("*.piece"))
