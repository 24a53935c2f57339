"""The FAQ and the assistant's matching (contract section 11), beside ``registry.OPERATIONS``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chat_server.web.openapi.models import Body, Deleted, Open
from chat_server.web.openapi.registry import V1, Operation, Param

TAG = "faq"


class FaqEntry(Open):
    id: str
    site_id: str
    locale: Literal["tr", "en"]
    question: str
    answer: str
    alternates: list[str]


class FaqEntryList(Open):
    entries: list[FaqEntry]


class FaqEntryCreate(Body):
    site_id: str = Field(description="one of the caller's sites")
    locale: Literal["tr", "en"]
    question: str = Field(min_length=1, max_length=500)
    answer: str = Field(min_length=1, max_length=5000)
    alternates: list[str] = Field(default_factory=list, description="other wordings")


class FaqEntryChange(Body):
    locale: Literal["tr", "en"] | None = None
    question: str | None = None
    answer: str | None = None
    alternates: list[str] | None = None


class FaqImported(Open):
    imported: int
    entries: list[FaqEntry]


class FaqCandidate(Open):
    id: str
    question: str
    score: float = Field(description="0 to 1; the answer is the best one when it is confident")


class FaqMatch(Open):
    answer: FaqEntry | None = Field(description="the entry the assistant would send, or null")
    candidates: list[FaqCandidate]


class UnansweredQuestion(Open):
    id: str
    site_id: str
    locale: str
    text: str
    count: int
    conversation_id: str | None
    first_at: str
    last_at: str


class UnansweredList(Open):
    questions: list[UnansweredQuestion]


SITE = Param("site_id", "one of the caller's sites (may be left out when it has only one)")
LOCALE = Param("locale", "tr or en", choices=("tr", "en"))

FAQ_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        f"{V1}/faq",
        "FAQ entries of the caller's sites",
        TAG,
        "managers",
        FaqEntryList,
        params=(Param("site_id", "only this site"), LOCALE),
    ),
    Operation(
        "POST", f"{V1}/faq", "Add a FAQ entry", TAG, "managers", FaqEntry, 201, FaqEntryCreate
    ),
    Operation(
        "PUT",
        f"{V1}/faq/{{id}}",
        "Change a FAQ entry (as PATCH)",
        TAG,
        "managers",
        FaqEntry,
        body=FaqEntryChange,
    ),
    Operation(
        "PATCH",
        f"{V1}/faq/{{id}}",
        "Change a FAQ entry",
        TAG,
        "managers",
        FaqEntry,
        body=FaqEntryChange,
    ),
    Operation("DELETE", f"{V1}/faq/{{id}}", "Delete a FAQ entry", TAG, "managers", Deleted),
    Operation(
        "POST",
        f"{V1}/faq/import",
        "Import entries: a CSV body (text/csv, header question,answer,locale,alternates; "
        "alternates separated by |) or a JSON array of entries. Adds, or updates the entry "
        "with the same question and locale; one bad row: 422 invalid_import with its row "
        "and nothing imported. At most 1 MiB and 2,000 rows.",
        TAG,
        "managers",
        FaqImported,
        params=(SITE,),
    ),
    Operation(
        "GET",
        f"{V1}/faq/search",
        "The entry the assistant would send for a text (null when not confident), "
        "with the best candidates",
        TAG,
        "agents",
        FaqMatch,
        params=(SITE, Param("q", "the shopper's text, 1 to 500 characters"), LOCALE),
    ),
    Operation(
        "GET",
        f"{V1}/faq/unanswered",
        "Questions the assistant could not answer, most asked first",
        TAG,
        "managers",
        UnansweredList,
        params=(Param("site_id", "only this site"),),
    ),
    Operation(
        "DELETE",
        f"{V1}/faq/unanswered/{{id}}",
        "Take a question off the unanswered list",
        TAG,
        "managers",
        Deleted,
    ),
)
