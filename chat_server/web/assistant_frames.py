"""The shopper's frames to the assistant: ``assistant.feedback`` and ``assistant.handover``,
and the assistant's turn after each shopper message (CONTRACT section 11).

The visitor session hands the validated frames here; the domain
(``chat_server.assistant``) commits and returns its events, published here after
the commit like every other change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat_server.assistant import handover
from chat_server.assistant.gate import assistant_applies
from chat_server.assistant.responder import respond
from chat_server.chat.posting import Posted
from chat_server.runtime.delivery import deliver
from chat_server.wire.inbound import AssistantFeedback, AssistantHandover

if TYPE_CHECKING:
    from chat_server.web.visitor_session import VisitorSession


async def answers_now(session: VisitorSession) -> bool:
    """Whether the site's assistant answers this shopper's next message."""
    return await assistant_applies(session.rt, session.site)


async def after_message(session: VisitorSession, posted: Posted) -> None:
    """The assistant's turn once the shopper's message is stored and announced."""
    await deliver(session.rt, respond(session.rt, posted))


async def visitor_feedback(session: VisitorSession, frame: AssistantFeedback) -> None:
    assert session.visitor_id is not None
    await deliver(
        session.rt,
        handover.feedback(
            session.rt, session.site, session.visitor_id, frame.helpful, frame.seq, None
        ),
    )


async def visitor_handover(session: VisitorSession, frame: AssistantHandover) -> None:
    assert session.visitor_id is not None
    await deliver(
        session.rt, handover.request_person(session.rt, session.site, session.visitor_id, None)
    )
