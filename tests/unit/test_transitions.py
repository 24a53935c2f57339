"""The transition table: the only statuses a conversation can move between."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chat_server.chat.transitions import TRANSITIONS, apply_transition, next_status
from chat_server.model.errors import Conflict
from chat_server.model.tables import Conversation

NOW = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)


def conversation(status: str, resolved_at: datetime | None = None) -> Conversation:
    return Conversation(
        id="c1",
        site_id="s1",
        visitor_id="v1",
        status=status,
        created_at=NOW,
        resolved_at=resolved_at,
    )


def test_the_table_lists_exactly_resolve_and_reopen() -> None:
    assert TRANSITIONS == {("open", "resolve"): "resolved", ("resolved", "reopen"): "open"}


def test_an_open_conversation_is_resolved_with_the_time_it_happened() -> None:
    talk = conversation("open")
    apply_transition(talk, "resolve", NOW)
    assert (talk.status, talk.resolved_at) == ("resolved", NOW)


def test_reopening_clears_the_resolution_time() -> None:
    talk = conversation("resolved", resolved_at=NOW)
    apply_transition(talk, "reopen", NOW)
    assert (talk.status, talk.resolved_at) == ("open", None)


@pytest.mark.parametrize(
    ("status", "action"),
    [("resolved", "resolve"), ("open", "reopen"), ("open", "archive"), ("closed", "resolve")],
)
def test_a_change_the_table_does_not_list_is_refused_and_changes_nothing(
    status: str, action: str
) -> None:
    talk = conversation(status)
    with pytest.raises(Conflict) as refused:
        apply_transition(talk, action, NOW)
    assert refused.value.code == "invalid_transition"
    assert f"a {status} conversation cannot be {action}d" == refused.value.message
    assert (talk.status, talk.resolved_at) == (status, None)


def test_next_status_answers_without_touching_any_row() -> None:
    assert next_status("open", "resolve") == "resolved"
    assert next_status("resolved", "reopen") == "open"
