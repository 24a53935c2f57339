"""Reading FAQ imports: CSV as spreadsheets save it, JSON as scripts send it."""

from __future__ import annotations

import json

import pytest

from chat_server.assistant.faq_import import InvalidImport, parse


def test_a_csv_saved_by_a_spreadsheet_is_read_with_its_alternates() -> None:
    body = (
        "\ufeffQuestion,Answer,Locale,Alternates\r\n"
        '"Kapıda ödeme var mı?","Evet, 14,90 TL.",TR,Kapıda nakit| Kapıda kart |\r\n'
    ).encode()
    assert parse(body, "text/csv") == [
        {
            "locale": "tr",
            "question": "Kapıda ödeme var mı?",
            "answer": "Evet, 14,90 TL.",
            "alternates": ["Kapıda nakit", "Kapıda kart"],
        }
    ]


def test_json_comes_as_an_array_or_under_entries() -> None:
    row = {"question": "Taksit var mı?", "answer": "Var.", "locale": "tr"}
    wrapped = json.dumps({"entries": [row]}).encode()
    assert parse(wrapped, "") == parse(json.dumps([row]).encode(), "application/json")


@pytest.mark.parametrize(
    ("body", "kind", "row"),
    [
        (b"question,answer\nA?,B\n", "text/csv", None),
        (b"question,answer,locale\nA?,B,tr\nC?,D,de\n", "text/csv", 2),
        (b"question,answer,locale\nA?,B,tr,extra\n", "text/csv", 1),
        (b'[{"question": "A?", "answer": "", "locale": "tr"}]', "application/json", 1),
        (b"[1]", "application/json", 1),
        (b"[]", "application/json", None),
        (b"\xff\xfe", "text/csv", None),
    ],
)
def test_a_bad_file_is_refused_naming_its_row(body: bytes, kind: str, row: int | None) -> None:
    with pytest.raises(InvalidImport) as refused:
        parse(body, kind)
    assert refused.value.row == row
    assert refused.value.status == 422
