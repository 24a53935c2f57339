"""The one table of conversation status changes.

Every status change goes through :func:`next_status`: a change the table does not
list is refused with ``invalid_transition`` and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from chat_server.model.errors import Conflict
from chat_server.model.tables import Conversation, ConversationStatus

OPEN = ConversationStatus.open.value
RESOLVED = ConversationStatus.resolved.value

#: The one table of status changes: (status, action) -> new status.
TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, "resolve"): RESOLVED,
    (RESOLVED, "reopen"): OPEN,
}


def next_status(status: str, action: str) -> str:
    new_status = TRANSITIONS.get((status, action))
    if new_status is None:
        raise Conflict("invalid_transition", f"a {status} conversation cannot be {action}d")
    return new_status


def apply_transition(conversation: Conversation, action: str, now: datetime) -> None:
    conversation.status = next_status(conversation.status, action)
    conversation.resolved_at = now if conversation.status == RESOLVED else None
