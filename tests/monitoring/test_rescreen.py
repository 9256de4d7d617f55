"""The pure rescreen of one customer against a list version's difference."""

from __future__ import annotations

from pathlib import Path

from casework.checks.runners.screening import Subject
from casework.models.enums import CheckType
from casework.monitoring import pool
from casework.monitoring.rescreen import Delta, rescreen
from casework.screening import snapshot
from casework.screening.engine import Matcher
from casework.screening.entity import Entity, Name, Schema
from tests.screening.test_snapshot import file_backed


def _entity(key: str, name: str, topics: list[str]) -> Entity:
    return Entity(key=key, schema=Schema.person, names=[Name(name)], topics=topics)


DELTA = Delta(
    dataset="list-a",
    version=2,
    matcher=Matcher.build(
        [
            ("list-a", _entity("s1", "Heriberto Solano Vidaurre", ["sanction"])),
            ("list-a", _entity("p1", "Heriberto Solano Vidaurre", ["role.pep"])),
            ("list-a", _entity("c1", "Ilse Kovalenko Brandt", ["crime.fraud"])),
        ]
    ),
    removed=frozenset(),
)
SOLANO = [Subject("Heriberto Solano Vidaurre", "customer", Schema.person).as_dict()]


def _found(checks: dict, subjects: list[dict], delta: Delta = DELTA) -> set[tuple[str, str]]:
    return {(h.check_type.value, h.match.entity_key) for h in rescreen(delta, checks, subjects)}


def test_each_hit_goes_to_the_check_types_whose_topics_it_has():
    checks = {"SANCTIONS": {}, "PEP": {}, "ADVERSE_MEDIA": {}}
    assert _found(checks, SOLANO) == {("SANCTIONS", "s1"), ("PEP", "p1")}
    assert _found({"PEP": {}}, SOLANO) == {("PEP", "p1")}


def test_thresholds_and_datasets_are_those_of_the_monitored_check():
    near = [Subject("Heriberto Solano", "customer", Schema.person).as_dict()]
    loose = _found({"SANCTIONS": {"threshold": 0.5}}, near)
    strict = _found({"SANCTIONS": {"threshold": 0.99}}, near)
    assert ("SANCTIONS", "s1") in loose and strict == set()
    assert _found({"SANCTIONS": {"datasets": ["list-b"]}}, SOLANO) == set()
    assert _found({"SANCTIONS": {"datasets": ["list-a"], "threshold": None}}, SOLANO) == {
        ("SANCTIONS", "s1")
    }


def test_a_business_is_rescreened_with_its_people_and_unknown_types_are_ignored():
    subjects = [
        Subject("Kestrel Ridge Trading FZE", "customer", Schema.company).as_dict(),
        Subject("Ilse Kovalenko Brandt", "director", Schema.person).as_dict(),
    ]
    hits = rescreen(DELTA, {"ADVERSE_MEDIA": {}, "UBO_RESOLUTION": {}, "NOPE": {}}, subjects)
    assert [(h.check_type, h.match.subject_role) for h in hits] == [
        (CheckType.adverse_media, "director")
    ]


def test_a_version_that_only_removed_entities_screens_nobody():
    empty = Delta("list-a", 3, None, frozenset({"s1"}))
    assert _found({"SANCTIONS": {}}, SOLANO, empty) == set()


def test_subjects_survive_their_stored_form():
    subject = Subject("A B", "owner", Schema.person, ("C D",), "1970", ("DE",), ("X1",))
    assert Subject.of_dict(subject.as_dict()) == subject


def test_worker_processes_map_the_difference_snapshot_and_find_the_same(tmp_path: Path):
    documents = [
        _entity(key, name, topics).to_document()
        for key, name, topics in (
            ("s1", "Heriberto Solano Vidaurre", ["sanction"]),
            ("p1", "Heriberto Solano Vidaurre", ["role.pep"]),
            ("c1", "Ilse Kovalenko Brandt", ["crime.fraud"]),
        )
    ]
    delta, path = pool.build_delta(
        "list-a", 2, documents, frozenset(), snapshots=tmp_path, name="list-a-v2"
    )
    assert path is not None and snapshot.manifest(path) is not None
    assert delta.matcher is not None and file_backed(delta.matcher.index.name_entity)
    checks = {"SANCTIONS": {}, "PEP": {}, "ADVERSE_MEDIA": {}}
    people = [
        "Heriberto Solano Vidaurre",
        "Ilse Kovalenko Brandt",
        "Heriberto Solano",
        "Marisol Fuentealba Quiroga",
    ]
    pages: list[pool.Rows] = [
        [
            (f"m{page}-{i}", checks, [Subject(name, "customer", Schema.person).as_dict()])
            for i, name in enumerate(people)
        ]
        for page in range(3)
    ]
    in_memory = [pool.screen_page(DELTA, rows) for rows in pages]
    assert sum(len(hits) for _, _, hits in in_memory) > 0
    assert [pool.screen_page(delta, rows) for rows in pages] == in_memory
    assert list(pool.in_processes(2, delta, path, pages)) == in_memory

    again, same = pool.build_delta(
        "list-a", 2, documents, frozenset(), snapshots=tmp_path, name="list-a-v2"
    )
    assert same == path  # written once: a worker that takes the run over maps it
    assert [pool.screen_page(again, rows) for rows in pages] == in_memory
