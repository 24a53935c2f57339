"""Read receipts to frames: ``message.seen`` addressed to the other side.

A visitor's receipt goes to the agents of the conversation's site; an agent's goes to
the visitor's sockets with the agent's name, so the widget can say who read it.
"""

from __future__ import annotations

import orjson

from chat_server.model.events import MessagesSeen
from chat_server.wire.envelope import AGENTS_TOPIC, Envelope, visitor_topic


def seen_envelopes(event: MessagesSeen) -> list[Envelope]:
    frame = {
        "type": "message.seen",
        "conversation_id": event.conversation_id,
        "seq": event.seq,
        "by": event.by,
    }
    if event.by == "visitor":
        return [Envelope(AGENTS_TOPIC, orjson.dumps(frame).decode(), site_id=event.site_id)]
    frame["agent"] = {"id": event.agent_id, "name": event.agent_name}
    return [Envelope(visitor_topic(event.visitor_id), orjson.dumps(frame).decode())]
