"""How envelopes travel over Redis pub/sub: one channel per topic, one payload format.

A payload is ``Envelope.encode()``; an envelope kept during an outage and published
afterwards is prefixed with its origin (``~ORIGIN~``), so that the process that kept
it (and delivered it locally at once) does not deliver it twice.
"""

from __future__ import annotations

import logging

from chat_server.wire.envelope import Envelope

log = logging.getLogger(__name__)

CHANNEL_PREFIX = b"chat:ev:"
REPLAY = b"~"  # payload prefix of a kept event: ~ORIGIN~<Envelope.encode()>


def channel_of(topic: str) -> bytes:
    return CHANNEL_PREFIX + topic.encode()


def topic_of(channel: bytes) -> str:
    return channel[len(CHANNEL_PREFIX) :].decode()


def replayed(origin: bytes, envelope: Envelope) -> bytes:
    return REPLAY + origin + REPLAY + envelope.encode()


def decode_message(channel: bytes, data: bytes, own_origin: bytes) -> Envelope | None:
    """The envelope a pub/sub message carries; None for this process's own replays and
    for a payload that cannot be decoded (logged)."""
    if data[:1] == REPLAY:
        origin, _, data = data[1:].partition(REPLAY)
        if origin == own_origin:
            return None  # delivered here when it was kept
    try:
        return Envelope.decode(topic_of(channel), data)
    except Exception:
        log.warning("dropping an undecodable event on %r", channel)
        return None
