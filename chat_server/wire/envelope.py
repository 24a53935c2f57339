"""An encoded frame with its address: what the bus carries between processes.

Topics name who receives a frame: every agent console (``agents``, each socket
keeping only the frames of its agent's sites), every shopper socket (``visitors``)
or the sockets of one shopper (``visitor:<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

AGENTS_TOPIC = "agents"
# Every visitor socket: news for all shoppers, such as how many agents are online.
VISITORS_TOPIC = "visitors"


def visitor_topic(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """One encoded frame for every socket subscribed to ``topic``.

    ``conversation_id`` and ``seq`` are set on ``message.created`` so that each
    socket can drop what it already has and fill gaps from the database.
    ``site_id`` names the site the frame is about: an agent socket drops the frames
    of sites outside its agent's scope (None: a frame for every site).
    """

    topic: str
    text: str
    conversation_id: str | None = None
    seq: int | None = None
    site_id: str | None = None

    def encode(self) -> bytes:
        return orjson.dumps([self.conversation_id, self.seq, self.text, self.site_id])

    @classmethod
    def decode(cls, topic: str, data: bytes) -> Envelope:
        conversation_id, seq, text, site_id = orjson.loads(data)
        return cls(topic, text, conversation_id, seq, site_id)
