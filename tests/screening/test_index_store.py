"""The index of each set of list versions is built once, written as a snapshot and mapped
by every process; a new version that changes little is an overlay, a long chain of them
is rebuilt; superseded snapshots go; one process builds while the others wait or go on
searching what they have."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import IncompleteReadError
from cryptography.fernet import Fernet
from pydantic import SecretStr
from typer.testing import CliRunner

from casework.app import create_app
from casework.cli import app as cli
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox
from casework.infra.storage import Store, StoredObject, open_store
from casework.infra.storage.location import parse
from casework.screening import snapshot
from casework.screening.engine import Matcher, Query
from casework.screening.entity import Schema
from casework.screening.index_store import (
    IndexStore,
    ListVersion,
    Versions,
    current,
    key_of,
    locked,
)
from casework.screening.layered import LayeredIndex
from casework.screening.matching import MatcherHolder, build_in_memory
from casework.screening.service import import_dataset
from casework.screening.shared_snapshots import SEALED, SharedSnapshots
from tests.s3_server import S3Server
from tests.screening import world
from tests.screening.test_snapshot import helper

# The key casework seals what it copies to the bucket with, one per deployment.
KEY = SecretBox(Fernet.generate_key())
PEOPLE = list(dict.fromkeys(row["b"] for row in world.rows() if row["schema"] == "Person"))[:80]
NEWCOMER = "Zebulon Quixotico Marchetti"


def _record(key: str, name: str, alias: str | None = None) -> dict[str, Any]:
    names = [name] + ([alias] if alias else [])
    return {
        "id": key,
        "schema": "Person",
        "target": True,
        "properties": {"name": names, "topics": ["sanction"]},
    }


class Lists:
    """One dataset of this test's own, imported version after version."""

    def __init__(self, db: Database, folder: Path) -> None:
        self.db, self.folder = db, folder
        self.name = f"idx-{secrets.token_hex(4)}"
        self.records: dict[str, dict[str, Any]] = {}

    def publish(self) -> int:
        path = self.folder / f"{self.name}-{secrets.token_hex(4)}.json"
        path.write_text(
            "".join(json.dumps(r) + "\n" for r in self.records.values()), encoding="utf-8"
        )
        with self.db.transaction() as session:
            return import_dataset(session, name=self.name, format_name="ftm", paths=[path]).version

    def people(self, count: int) -> None:
        for i, name in enumerate(PEOPLE[:count]):
            self.records[f"p{i}"] = _record(f"p{i}", name)


@pytest.fixture
def lists(db: Database, tmp_path: Path) -> Lists:
    return Lists(db, tmp_path)


def versions(db: Database) -> Versions:
    with db.session(write=False) as session:
        return current(session)


def opened(db: Database, store: IndexStore) -> Matcher:
    with db.session(write=False) as session:
        index = store.open(session, current(session))
    assert index is not None
    return Matcher(index)


def rebuilt(db: Database) -> Matcher:
    with db.session(write=False) as session:
        return build_in_memory(session, current(session))


def about(store: IndexStore, db: Database) -> dict[str, Any]:
    found = snapshot.manifest(store.path(versions(db)))
    assert found is not None
    return found


def answers(matcher: Matcher, dataset: str, names: list[str]) -> list[Any]:
    found = []
    for name in names:
        for match in matcher.search(Query(Schema.person, name), threshold=0.5, datasets={dataset}):
            found.append([name, match.entity_key, match.score, match.explanation])
    plain: list[Any] = json.loads(json.dumps(found))
    return plain


def test_the_index_is_built_once_and_mapped_by_the_next_process(
    db: Database, lists: Lists, tmp_path: Path
):
    lists.people(20)
    lists.publish()
    first = IndexStore(tmp_path / "index")
    matcher = opened(db, first)
    assert first.built == [key_of(versions(db))]
    assert about(first, db)["kind"] == "full"

    second = IndexStore(tmp_path / "index")  # another process on the same machine
    again = opened(db, second)
    assert second.built == []
    assert answers(again, lists.name, PEOPLE[:20]) == answers(matcher, lists.name, PEOPLE[:20])
    assert answers(again, lists.name, PEOPLE[:20]) == answers(rebuilt(db), lists.name, PEOPLE[:20])

    holder = MatcherHolder(second)
    with db.session(write=False) as session:
        held, held_versions = holder.get(session)
    assert held_versions[lists.name] == 1
    assert held.entity(lists.name, "p3") is not None
    assert second.built == []


def test_a_small_new_version_is_an_overlay_that_answers_as_a_rebuild(
    db: Database, lists: Lists, tmp_path: Path
):
    lists.people(60)
    lists.publish()
    store = IndexStore(tmp_path / "index", delta_share=0.5)
    base_key = key_of(versions(db))
    opened(db, store)

    lists.records["p1"] = _record("p1", PEOPLE[1], alias=PEOPLE[70])  # changed
    del lists.records["p2"]  # removed
    lists.records["p60"] = _record("p60", PEOPLE[60])  # added
    lists.publish()
    matcher = opened(db, store)
    assert isinstance(matcher.index, LayeredIndex)
    assert about(store, db)["kind"] == "overlay"
    assert about(store, db)["base"] == base_key

    full = rebuilt(db)
    names = [*PEOPLE[:61], PEOPLE[70]]
    assert answers(matcher, lists.name, names) == answers(full, lists.name, names)
    found = {key for _, key, _, _ in answers(matcher, lists.name, names)}
    assert "p60" in found and "p1" in found and "p2" not in found
    assert matcher.entity(lists.name, "p2") is None
    assert matcher.entity(lists.name, "p1") == full.entity(lists.name, "p1")
    assert len(matcher) == len(full)
    with db.session(write=False) as session:
        again = IndexStore(tmp_path / "index").open(session, current(session))
    assert isinstance(again, LayeredIndex)  # another process maps the same overlay


def test_a_chain_of_overlays_is_compacted_by_a_full_rebuild(
    db: Database, lists: Lists, tmp_path: Path
):
    lists.people(40)
    lists.publish()
    store = IndexStore(tmp_path / "index")
    holder = MatcherHolder(store)
    with db.session(write=False) as session:
        oldest, _ = holder.get(session)
    entities = about(store, db)["counts"]["entities"]
    store.delta_share = 2.5 / entities  # two additions since the base, not three
    kinds = []
    for i in range(4):
        lists.records[f"n{i}"] = _record(f"n{i}", PEOPLE[50 + i])
        lists.publish()
        with db.session(write=False) as session:
            holder.get(session)
        kinds.append((about(store, db)["kind"], about(store, db)["base"]))
    first_base = kinds[0][1]
    assert kinds[:2] == [("overlay", first_base), ("overlay", first_base)]
    assert kinds[2] == ("full", None)
    assert kinds[3][0] == "overlay" and kinds[3][1] != first_base

    # Only the current snapshot and its base are left; the process that still maps the
    # first index searches on.
    left = {p.name for p in store.root.iterdir() if not p.name.startswith(".")}
    assert left == {key_of(versions(db)), kinds[3][1]}
    assert oldest.search(Query(Schema.person, PEOPLE[5]), datasets={lists.name})
    with db.session(write=False) as session:
        matcher, held = holder.get(session)
    assert held[lists.name] == 5
    assert {m.entity_key for m in matcher.search(Query(Schema.person, PEOPLE[53]))} >= {"n3"}


def test_a_snapshot_that_cannot_be_trusted_is_rebuilt(db: Database, lists: Lists, tmp_path: Path):
    lists.people(10)
    lists.publish()
    store = IndexStore(tmp_path / "index")
    opened(db, store)
    path = store.path(versions(db))
    written = about(store, db)["created_at"]
    table = path / "name_toks.npy"
    table.write_bytes(table.read_bytes()[:-1] + b"\x7f")

    stalled = helper("stall", str(store.root / "partial"))  # and a writer dies half way
    assert stalled.stdout is not None
    assert stalled.stdout.readline().strip() == "stalled"
    stalled.kill()
    stalled.communicate()

    again = IndexStore(tmp_path / "index")
    matcher = opened(db, again)
    assert again.built == [path.name]
    assert about(again, db)["created_at"] != written
    assert answers(matcher, lists.name, PEOPLE[:10]) == answers(
        rebuilt(db), lists.name, PEOPLE[:10]
    )
    assert not [p for p in store.root.iterdir() if p.name.startswith(snapshot.TEMPORARY)]


def _line(process: Any) -> str:
    line: str = process.stdout.readline().strip()
    return line


def test_one_process_builds_while_the_others_wait_or_go_on(
    db: Database, settings: Settings, lists: Lists, tmp_path: Path
):
    lists.people(10)
    lists.publish()
    root = tmp_path / "index"
    holder = MatcherHolder(IndexStore(root))
    with db.session(write=False) as session:
        before, _ = holder.get(session)
    assert holder.store is not None
    first = list(holder.store.built)
    lists.records["n"] = _record("n", PEOPLE[30])
    lists.publish()

    env = {"CASEWORK_DATABASE_URL": settings.resolved_database_url}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        builder = helper("build", str(root))
        assert _line(builder) == "held"
        waiter = helper("open", str(root))
        assert _line(waiter) == "waiting"
    try:
        with db.session(write=False) as session:
            assert IndexStore(root).open(session, current(session), wait=False) is None
            served, served_versions = holder.get(session)
        assert served is before, "this process goes on with the index it has"
        assert served_versions[lists.name] == 1
        assert builder.stdin is not None
        builder.stdin.write("\n")
        builder.stdin.flush()
        assert _line(builder) == "built"
        assert _line(waiter) == "mapped", "the process that waited maps what was built"
    finally:
        for process in (builder, waiter):
            process.kill()
            process.communicate()
    with db.session(write=False) as session:
        after, after_versions = holder.get(session)
    assert after is not before and after_versions[lists.name] == 2
    assert holder.store.built == first, "the new version's index was not built here"


def test_searches_go_on_while_the_versions_switch(db: Database, lists: Lists, tmp_path: Path):
    lists.people(30)
    lists.publish()
    holder = MatcherHolder(IndexStore(tmp_path / "index"))
    seen: list[Any] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                with db.session(write=False) as session:
                    matcher, held = holder.get(session)
                query = Query(Schema.person, NEWCOMER)
                found = {m.entity_key for m in matcher.search(query, datasets={lists.name})}
                seen.append((held[lists.name], found))
            except Exception as exc:  # every error fails the test below
                seen.append(exc)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for version, key in ((2, "n1"), (3, "n2")):
            lists.records[key] = _record(key, NEWCOMER)
            assert lists.publish() == version
        deadline = time.monotonic() + 60
        while not any(isinstance(s, tuple) and s[0] == 3 for s in seen[-10:]):
            assert time.monotonic() < deadline, "the holder never switched to version 3"
            threading.Event().wait(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not [s for s in seen if isinstance(s, Exception)]
    expected = {1: set(), 2: {"n1"}, 3: {"n1", "n2"}}
    for version, found in seen:
        assert found == expected[version], (version, found)
    assert {version for version, _ in seen} >= {1, 3}


def test_an_import_writes_the_index_of_the_new_versions(
    settings: Settings, db: Database, tmp_path: Path
):
    name = f"cli-{secrets.token_hex(4)}"
    path = tmp_path / "list.json"
    path.write_text(json.dumps(_record("p0", PEOPLE[0])) + "\n", encoding="utf-8")
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    result = CliRunner().invoke(
        cli, ["lists", "import", "--dataset", name, "--format", "ftm", str(path)], env=env
    )
    assert result.exit_code == 0, result.stderr
    assert "screening index:" in result.stderr
    store = IndexStore(settings.screening_index_dir)
    assert snapshot.manifest(store.path(versions(db))) is not None
    with db.session(write=False) as session:
        assert store.open(session, current(session), wait=False) is not None
    assert store.built == []
    with locked(store.root, wait=False) as held:
        assert held, "the import let go of the lock"


def test_a_snapshot_naming_a_list_that_is_gone_is_pruned(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    kept_list, gone_list = ListVersion("kept", "d-kept", 2), ListVersion("gone", "d-gone", 5)
    newer_list = ListVersion("kept", "d-kept", 3)

    def written(key: str, created_at: str, *listed: ListVersion) -> None:
        path = store.root / key
        path.mkdir(parents=True)
        about = {
            "format": snapshot.FORMAT,
            "code": snapshot.code_version(),
            "created_at": created_at,
            "kind": "full",
            "base": None,
            "versions": [[v.name, v.dataset_id, v.version] for v in listed],
        }
        (path / snapshot.MANIFEST).write_text(json.dumps(about), encoding="utf-8")

    written("old-with-gone", "2026-01-01T00:00:00", kept_list, gone_list)
    written("newer", "2026-01-01T00:00:01", newer_list)
    written("current", "2026-01-02T00:00:00", kept_list)
    assert store.prune((kept_list,), keep="current") == ["old-with-gone"]
    # One of a newer version of a list still there is kept, whenever it was made.
    assert sorted(p.name for p in store.root.iterdir()) == ["current", "newer"]


@pytest.fixture
def bucket(s3_server: S3Server) -> SharedSnapshots:
    """Copies of snapshots in a bucket of their own on the real S3-compatible server."""
    name = s3_server.create_bucket()
    return SharedSnapshots(open_store(parse(s3_server.storage_url(name, "documents"))), KEY)


def _published(db: Database, lists: Lists, people: int) -> str:
    """Publish a version listing the first ``people`` people; the key of its index."""
    lists.people(people)
    lists.publish()
    return key_of(versions(db))


def _copies(shared: SharedSnapshots) -> set[str]:
    return {key.split("/")[1] for key in shared.store.listing() if key.startswith("screening-")}


def test_a_machine_copies_the_snapshot_another_built_from_the_object_store(
    db: Database, lists: Lists, tmp_path: Path, bucket: SharedSnapshots
):
    key = _published(db, lists, 60)
    builder = IndexStore(tmp_path / "one", shared=bucket, delta_share=0.5)
    built = opened(db, builder)
    assert builder.built == [key] and builder.fetched == []
    assert _copies(bucket) == {key}

    other = IndexStore(tmp_path / "two", shared=bucket)  # another machine
    copied = opened(db, other)
    assert other.built == [] and other.fetched == [key]
    assert answers(copied, lists.name, PEOPLE[:60]) == answers(built, lists.name, PEOPLE[:60])
    assert answers(copied, lists.name, PEOPLE[:60]) == answers(rebuilt(db), lists.name, PEOPLE[:60])

    # A small new version is an overlay: a third machine copies it and the base it needs.
    lists.records["p60"] = _record("p60", PEOPLE[60])
    lists.publish()
    overlay = key_of(versions(db))
    assert isinstance(opened(db, builder).index, LayeredIndex)
    third = IndexStore(tmp_path / "three", shared=bucket)
    layered = opened(db, third)
    assert isinstance(layered.index, LayeredIndex)
    assert third.built == [] and third.fetched == [overlay, key]
    names = PEOPLE[:61]
    assert answers(layered, lists.name, names) == answers(rebuilt(db), lists.name, names)
    assert answers(layered, lists.name, names) == answers(opened(db, builder), lists.name, names)


def test_a_copy_that_is_incomplete_or_altered_is_not_taken(
    db: Database, lists: Lists, tmp_path: Path, bucket: SharedSnapshots, s3_server: S3Server
):
    key = _published(db, lists, 20)
    opened(db, IndexStore(tmp_path / "one", shared=bucket))
    about = bucket.manifest(key)
    assert about is not None
    files = sorted(about[1]["files"])

    # A file's bytes changed in the bucket: copied, found wrong when mapped, built here.
    client, name = s3_server.client(), bucket.store.bucket  # type: ignore[attr-defined]
    target = f"documents/screening-index/{key}/{files[0]}"
    original = client.get_object(Bucket=name, Key=target)["Body"].read()
    client.put_object(Bucket=name, Key=target, Body=original[:-1] + bytes([original[-1] ^ 1]))
    altered = IndexStore(tmp_path / "two", shared=bucket)
    matcher = opened(db, altered)
    assert altered.built == [key]
    assert answers(matcher, lists.name, PEOPLE[:20]) == answers(
        rebuilt(db), lists.name, PEOPLE[:20]
    )

    # A file missing (a copy cut short, or being deleted): not taken, built here.
    client.delete_object(Bucket=name, Key=f"documents/screening-index/{key}/{files[1]}")
    missing = IndexStore(tmp_path / "three", shared=bucket)
    opened(db, missing)
    assert missing.fetched == [] and missing.built == [key]
    assert not [p for p in (tmp_path / "three").iterdir() if p.name.startswith(".tmp-")]

    # Without its manifest a copy is not there at all.
    client.delete_object(Bucket=name, Key=f"documents/screening-index/{key}/{SEALED}")
    assert bucket.manifest(key) is None


def test_a_bucket_that_fails_leaves_each_machine_building_its_own(
    db: Database, lists: Lists, tmp_path: Path, s3_server: S3Server
):
    key = _published(db, lists, 20)
    gone = SharedSnapshots(open_store(parse(s3_server.storage_url("no-such-bucket", "x"))), KEY)
    store = IndexStore(tmp_path / "one", shared=gone)
    matcher = opened(db, store)  # built; the copy to the bucket fails, and is only logged
    assert store.built == [key]
    again = IndexStore(tmp_path / "two", shared=gone)
    assert answers(opened(db, again), lists.name, PEOPLE[:20]) == answers(
        matcher, lists.name, PEOPLE[:20]
    )
    assert again.built == [key] and again.fetched == []


def test_superseded_snapshots_are_deleted_from_the_object_store_and_where_copied(
    db: Database, lists: Lists, tmp_path: Path, bucket: SharedSnapshots
):
    first = _published(db, lists, 20)
    store = IndexStore(tmp_path / "one", shared=bucket, delta_share=0.0)
    opened(db, store)
    other = IndexStore(tmp_path / "two", shared=bucket)
    opened(db, other)
    second = _published(db, lists, 40)
    opened(db, store)
    assert store.built == [first, second]
    assert _copies(bucket) == {second}
    assert bucket.manifest(first) is None

    # A machine that copies the new snapshot deletes its own superseded one too.
    opened(db, other)
    assert other.fetched == [first, second] and other.built == []
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [".lock", second]


class CutShort:
    """The bucket's store, but every download breaks off after its first chunk, as the
    AWS SDK reports a connection dropped in the middle of a copy."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def open(self, key: str) -> StoredObject:
        stored = self.store.open(key)

        def chunks() -> Iterator[bytes]:
            first = next(iter(stored), b"")
            yield first
            raise IncompleteReadError(actual_bytes=len(first), expected_bytes=stored.size)

        return StoredObject(stored.size, chunks(), stored.close)


def test_a_copy_broken_off_leaves_nothing_and_the_machine_builds(
    db: Database, lists: Lists, tmp_path: Path, bucket: SharedSnapshots
):
    key = _published(db, lists, 20)
    built = opened(db, IndexStore(tmp_path / "one", shared=bucket))
    broken = SharedSnapshots(CutShort(bucket.store), KEY)  # type: ignore[arg-type]
    other = IndexStore(tmp_path / "two", shared=broken)
    matcher = opened(db, other)
    assert other.fetched == [] and other.built == [key]
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [".lock", key]
    assert answers(matcher, lists.name, PEOPLE[:20]) == answers(built, lists.name, PEOPLE[:20])


def test_a_copy_not_sealed_with_the_deployments_key_is_not_taken(
    db: Database, lists: Lists, tmp_path: Path, bucket: SharedSnapshots, s3_server: S3Server
):
    """Whoever else may write to the bucket cannot have a machine map what they wrote:
    a snapshot holds pickled entities."""
    key = _published(db, lists, 20)
    opened(db, IndexStore(tmp_path / "one", shared=bucket))
    assert bucket.manifest(key) is not None

    # Another deployment's key (or a machine without CASEWORK_SECRET_KEY set).
    stranger = SharedSnapshots(bucket.store, SecretBox(Fernet.generate_key()))
    other = IndexStore(tmp_path / "two", shared=stranger)
    opened(db, other)
    assert other.fetched == [] and other.built == [key]

    # A manifest put there by hand, in the clear or in place of the sealed one.
    client, name = s3_server.client(), bucket.store.bucket  # type: ignore[attr-defined]
    written = (tmp_path / "one" / key / snapshot.MANIFEST).read_bytes()
    for planted in (written, b"gAAAAAB" + written):
        client.put_object(
            Bucket=name, Key=f"documents/screening-index/{key}/{SEALED}", Body=planted
        )
        assert bucket.manifest(key) is None
        third = IndexStore(tmp_path / f"three-{len(planted)}", shared=bucket)
        opened(db, third)
        assert third.fetched == [] and third.built == [key]


def test_a_bucket_without_a_shared_secret_key_is_said_at_start(
    settings: Settings, s3_server: S3Server, caplog: pytest.LogCaptureFixture
):
    url = s3_server.storage_url(s3_server.create_bucket(), "documents")
    assert SharedSnapshots.of(settings.model_copy(update={"storage_url": None})) is None
    with caplog.at_level("WARNING", logger="casework.screening.shared_snapshots"):
        keyed = settings.model_copy(
            update={"storage_url": url, "secret_key": SecretStr(Fernet.generate_key().decode())}
        )
        assert SharedSnapshots.of(keyed) is not None
        assert not caplog.records
        unkeyed = settings.model_copy(update={"storage_url": url, "secret_key": None})
        assert SharedSnapshots.of(unkeyed) is not None
    assert ["CASEWORK_SECRET_KEY is not set" in r.getMessage() for r in caplog.records] == [True]


def test_the_app_copies_snapshots_through_its_own_document_store(
    settings: Settings, db: Database, s3_server: S3Server
):
    url = s3_server.storage_url(s3_server.create_bucket(), "documents")
    app = create_app(settings.model_copy(update={"storage_url": url}), db)
    shared = app.state.matchers.store.shared
    assert shared is not None and shared.store is app.state.storage
    local = create_app(settings.model_copy(update={"storage_url": None}), db)
    assert local.state.matchers.store.shared is None


def test_a_copy_written_by_other_code_is_not_taken(
    db: Database, lists: Lists, tmp_path: Path, bucket: SharedSnapshots, s3_server: S3Server
):
    """Sealed with the deployment's key but built by another version of casework (a
    rolling upgrade): its layout may differ, so this machine builds its own."""
    key = _published(db, lists, 20)
    opened(db, IndexStore(tmp_path / "one", shared=bucket))
    about = json.loads((tmp_path / "one" / key / snapshot.MANIFEST).read_text())
    about["code"] = "another-version"
    client, name = s3_server.client(), bucket.store.bucket  # type: ignore[attr-defined]
    sealed = KEY.seal(json.dumps(about)).encode()
    client.put_object(Bucket=name, Key=f"documents/screening-index/{key}/{SEALED}", Body=sealed)
    assert bucket.manifest(key) is None
    other = IndexStore(tmp_path / "two", shared=bucket)
    opened(db, other)
    assert other.fetched == [] and other.built == [key]
