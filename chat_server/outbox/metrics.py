"""The outbox's Prometheus metrics (exposed at ``/metrics`` with the others)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

DEPTH = Gauge("chat_outbox_pending", "Outbox items waiting to be sent, by kind", ["kind"])
DEAD = Gauge("chat_outbox_dead", "Outbox items given up, by kind", ["kind"])
ATTEMPTS = Counter("chat_outbox_attempts_total", "Attempts to send an outbox item", ["kind"])
FAILURES = Counter(
    "chat_outbox_failures_total", "Failed attempts to send an outbox item", ["kind", "final"]
)
