"""Validation error locations written as field paths."""

from __future__ import annotations

import pytest

from casework.infra.field_paths import field_name, field_path, invalid_json, split_source


@pytest.mark.parametrize(
    ("loc", "indexed", "expected"),
    [
        (("owners", 2, "name"), True, "owners[2].name"),
        (("owners", 2, 0), True, "owners[2][0]"),
        (("owners", 2, "name"), False, "owners.2.name"),
        ((0, "name"), True, "0.name"),  # nothing to follow: a position of its own
        ((), True, ""),
    ],
)
def test_field_path(loc: tuple[str | int, ...], indexed: bool, expected: str) -> None:
    assert field_path(loc, indexed=indexed) == expected


def test_an_empty_location_names_the_whole_document() -> None:
    assert field_path((), empty="structure") == "structure"
    assert field_path(("x",), empty="structure") == "x"


def test_split_source() -> None:
    assert split_source(("query", "limit")) == ("query", ("limit",))
    assert split_source(("body",)) == ("body", ())
    assert split_source(("items", 0)) == (None, ("items", 0))
    assert split_source(()) == (None, ())


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "transactions", 3, "amount"), "transactions[3].amount"),
        (("query", "page_size"), "page_size"),
        (("body",), "body"),
        ((), "body"),
    ],
)
def test_field_name_leaves_out_the_source(loc: tuple[str | int, ...], expected: str) -> None:
    assert field_name(loc) == expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {"loc": ("body", 14), "ctx": {"error": "Expecting value"}},
            "invalid JSON at character 14: expecting value",
        ),
        ({"loc": ("body", 0), "ctx": {}}, "invalid JSON at character 0"),
        ({"loc": ("body",), "ctx": {"error": "Extra data"}}, "invalid JSON: extra data"),
        ({}, "invalid JSON"),
    ],
    ids=["offset-and-reason", "offset-only", "reason-only", "nothing-known"],
)
def test_invalid_json_says_where_and_what(error: dict[str, object], expected: str) -> None:
    assert invalid_json(error) == expected
