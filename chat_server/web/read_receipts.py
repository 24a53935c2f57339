"""``message.seen`` from either socket: store the reader's mark, tell the other side.

Both sessions hand the validated frame here; the domain (``chat.receipts``) keeps the
marks monotonic and returns the event only when a mark moved, so a repeated or stale
report costs one read and announces nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat_server.chat import receipts
from chat_server.model.tables import Agent
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.wire.inbound import MessageSeen

if TYPE_CHECKING:
    from chat_server.web.visitor_session import VisitorSession


async def visitor_seen(session: VisitorSession, frame: MessageSeen) -> None:
    """The shopper saw its conversation up to ``seq``: the agents hear of it."""
    assert session.visitor_id is not None
    await deliver(
        session.rt,
        receipts.visitor_saw(session.rt, session.visitor_id, frame.conversation_id, frame.seq),
    )


async def agent_seen(rt: Runtime, agent: Agent, frame: MessageSeen) -> None:
    """An agent saw the conversation up to ``seq`` (its scope checked by the socket):
    the shopper's tabs hear of it, with the agent's name."""
    await deliver(rt, receipts.agent_saw(rt, agent, frame.conversation_id, frame.seq))
