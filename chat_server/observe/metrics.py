"""Prometheus metrics, exposed at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

CONNECTIONS = Gauge("chat_ws_connections", "Open WebSocket connections", ["kind"])
FRAMES_IN = Counter("chat_ws_frames_received_total", "Frames received", ["kind"])
MESSAGES = Counter("chat_messages_total", "Messages stored", ["author"])
ERRORS = Counter("chat_ws_errors_total", "Error frames sent", ["kind", "code"])
SLOW_CONSUMERS = Counter(
    "chat_ws_slow_consumers_total", "Sockets dropped for not keeping up", ["kind"]
)
RATE_LIMITED = Counter("chat_rate_limited_total", "Messages refused by the rate limit", ["kind"])
SLA_BREACHES = Counter("chat_sla_breaches_total", "SLA breaches announced", ["kind"])
POST_SECONDS = Histogram(
    "chat_post_message_seconds",
    "Time to store a message (commit included)",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


GC_PAUSE_SECONDS = Histogram(
    "chat_gc_pause_seconds",
    "Garbage collections, by generation: every socket of the process waits meanwhile",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)

# The Redis bus (scaled out only).
BUS_HEALTHY = Gauge("chat_bus_healthy", "1 while the Redis bus is connected and subscribed")
BUS_RECONNECTS = Counter("chat_bus_reconnects_total", "Reconnections to Redis after an outage")
BUS_KEPT = Counter(
    "chat_bus_kept_events_total", "Events published while Redis was away, kept for later"
)
BUS_DROPPED = Counter(
    "chat_bus_dropped_events_total", "Kept events dropped because the outage lasted too long"
)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
