"""Shareholder registers (CSV) read into ownership structures."""

from __future__ import annotations

from fractions import Fraction

import pytest

from casework.checks.runners.ownership import resolve
from casework.checks.runners.shareholder_register import parse_register
from casework.infra.errors import ValidationFailed

GOOD = """\
 Owner_Name , owner_type, owner_country, OWNED_NAME, owned_type, percentage, control, nominee
Jane Roe, person, FRA, Roe Ltd, company, 60, no,
Roe Ltd, , GBR, Acme Holdings Ltd, , 50%, ,
Jane Roe, person, , Acme Holdings Ltd, , 30.5 %, false, 0
Roe Family Trust, trust, JEY, Acme Holdings Ltd, , , yes, no
"Nominees, S.A.", company, pan, Roe Ltd, , 40, 0, YES

"""


def errors_of(text: str, **kwargs: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_register(text, **kwargs)
    return [(e.field, e.message) for e in caught.value.errors]


def test_a_good_register() -> None:
    structure = parse_register(GOOD)
    assert structure.subject == "acme-holdings-ltd"
    entities = {e.id: e for e in structure.entities}
    assert list(entities) == [
        "jane-roe",
        "roe-ltd",
        "acme-holdings-ltd",
        "roe-family-trust",
        "nominees-s-a",
    ]
    assert entities["jane-roe"].type == "person"
    assert entities["jane-roe"].country == "FRA"
    assert entities["roe-ltd"].type == "company"
    assert entities["roe-ltd"].country == "GBR"
    assert entities["nominees-s-a"].name == "Nominees, S.A."
    assert entities["nominees-s-a"].country == "PAN"
    assert entities["nominees-s-a"].nominee
    assert not entities["roe-ltd"].nominee
    holdings = [(o.owner, o.owned, o.percentage, o.control) for o in structure.ownerships]
    assert holdings == [
        ("jane-roe", "roe-ltd", 60.0, False),
        ("roe-ltd", "acme-holdings-ltd", 50.0, False),
        ("jane-roe", "acme-holdings-ltd", 30.5, False),
        ("roe-family-trust", "acme-holdings-ltd", None, True),
        ("nominees-s-a", "roe-ltd", 40.0, False),
    ]
    analysis = resolve(structure)
    (jane,) = analysis.owners
    assert jane.effective == Fraction(605, 1000)
    codes = [f.code for f in analysis.flags]
    assert codes == [
        "unresolved_chain",
        "unresolved_chain",
        "missing_percentage",
        "nominee_holder",
        "trust_or_foundation_holder",
    ]


def test_byte_order_mark_and_explicit_ids() -> None:
    text = (
        "\ufeffowner_id,owner_name,owner_type,owned_id,owned_name,percentage,bearer_shares\n"
        "P-1,Jane Roe,person,CO-1,Acme,100,yes\n"
    )
    structure = parse_register(text)
    assert structure.subject == "CO-1"
    assert [e.id for e in structure.entities] == ["P-1", "CO-1"]
    assert structure.entities[1].bearer_shares
    assert structure.ownerships[0].percentage == 100.0


def test_semicolons_and_an_untyped_owner() -> None:
    structure = parse_register("owner_name;owned_name;percentage\nMystery Holdings;Acme;25\n")
    assert [(e.name, e.type) for e in structure.entities] == [
        ("Mystery Holdings", "other"),
        ("Acme", "company"),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("30", 30.0), ("30.5", 30.5), ("30%", 30.0), (" 12.25 % ", 12.25), ("", None), ("0", 0.0)],
)
def test_percentages(cell: str, expected: float | None) -> None:
    structure = parse_register(f'owner_name,owned_name,percentage\nJane,Acme,"{cell}"\n')
    assert structure.ownerships[0].percentage == expected


def test_missing_columns() -> None:
    assert errors_of("owner_name,owned\nJane,Acme\n") == [
        ("row 1", "unknown column 'owned'"),
        ("row 1", "missing column 'owned_name'"),
        ("row 1", "missing column 'percentage'"),
    ]


def test_duplicate_column() -> None:
    text = "owner_name,owned_name,percentage,Percentage\nJane,Acme,1,2\n"
    assert errors_of(text) == [("row 1", "column 'percentage' appears twice")]


def test_bad_number_names_row_and_column() -> None:
    text = "owner_name,owned_name,percentage\nJane,Acme,30\nJohn,Acme,thirty\nJim,Acme,101\n"
    with pytest.raises(ValidationFailed) as caught:
        parse_register(text)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("row 3, percentage", "not a number"),
        ("row 4, percentage", "must be between 0 and 100"),
    ]
    assert "row 3, percentage: not a number" in caught.value.detail


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "Jane,person,,Acme,30,maybe",
            ("row 2, control", "must be true/false, yes/no, 1/0 or empty"),
        ),
        (
            "Jane,human,,Acme,30,",
            (
                "row 2, owner_type",
                "must be one of person, company, trust, foundation, partnership, fund, government, other",
            ),
        ),
        (
            "Jane,person,XXX,Acme,30,",
            (
                "row 2, owner_country",
                "must be an ISO 3166-1 alpha-3 country code, such as GBR or DEU",
            ),
        ),
        (",person,,Acme,30,", ("row 2, owner_name", "required")),
        ("Jane,person,,,30,", ("row 2, owned_name", "required")),
        ("Acme,company,,Acme,30,", ("row 2, owned_name", "an entity cannot own itself")),
        (
            "!!!,person,,Acme,30,",
            ("row 2, owner_id", "required, as no id can be made from the name"),
        ),
        ("Jane,person,,Acme,30,,extra", ("row 2", "more values than the 6 columns")),
    ],
)
def test_bad_cells(row: str, error: tuple[str, str]) -> None:
    text = f"owner_name,owner_type,owner_country,owned_name,percentage,control\n{row}\n"
    assert errors_of(text) == [error]


def test_conflicting_rows() -> None:
    text = (
        "owner_id,owner_name,owner_type,owned_name,percentage\n"
        "j,Jane,person,Acme,10\n"
        "j,Janet,person,Acme,10\n"
        "k,Kim,person,Acme,10\n"
        "k,Kim,trust,Acme,5\n"
        "j,Jane,,Acme,5\n"
    )
    assert errors_of(text) == [
        ("row 3, owner_name", "'Janet' has the id 'j' of 'Jane' (row 2)"),
        ("row 5, owner_type", "'trust', but an earlier row gave 'person'"),
        ("row 6", "Jane already holds Acme in row 2"),
    ]


def test_a_person_cannot_be_owned() -> None:
    text = "owner_name,owner_type,owned_name,percentage\nJane,person,Acme,10\nAcme,,Jane,5\n"
    assert errors_of(text) == [("row 3, owned_type", "a person cannot be owned")]


def test_subject_detection() -> None:
    two_roots = "owner_name,owned_name,percentage\nJane,Acme,10\nJohn,Beta,20\n"
    assert errors_of(two_roots) == [
        ("subject_name", "give the subject's name: owned without owning anything: Acme, Beta")
    ]
    assert parse_register(two_roots, subject_name=" beta ").subject == "beta"
    assert errors_of(two_roots, subject_name="Gamma") == [
        ("subject_name", "0 entities in the register have this name")
    ]
    circle = "owner_name,owned_name,percentage\nA,B,10\nB,A,20\n"
    assert errors_of(circle) == [
        ("subject_name", "give the subject's name: owned without owning anything: none")
    ]
    assert parse_register(circle, subject_name="A").subject == "a"


def test_empty_files() -> None:
    assert errors_of("") == [("row 1", "the file is empty")]
    assert errors_of("owner_name,owned_name,percentage\n\n , , \n") == [
        ("row 1", "the register lists no holdings")
    ]


def test_stray_empty_columns_are_ignored() -> None:
    structure = parse_register("owner_name,owned_name,percentage,,\nJane,Acme,40,,\n")
    assert structure.ownerships[0].percentage == 40.0


def test_errors_stop_after_a_few() -> None:
    rows = "".join(f"Jane{i},Acme,x\n" for i in range(100))
    assert len(errors_of(f"owner_name,owned_name,percentage\n{rows}")) == 20
