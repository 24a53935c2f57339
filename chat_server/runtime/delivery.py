"""The one order every change follows: commit, acknowledge, then publish.

A command resolves once its transaction is committed and returns an outcome that
carries the domain events of what it committed. :func:`deliver` awaits it, calls the
sender's acknowledgement, then publishes the events, so the ``ack`` goes out before
anyone else hears of the change, and a change that was not committed (the command
raised) is never announced. Messages, page views and every other change go this way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from chat_server.model.events import DomainEvent
from chat_server.runtime.state import Runtime


class Outcome(Protocol):
    @property
    def events(self) -> Sequence[DomainEvent]: ...


OutcomeT = TypeVar("OutcomeT", bound=Outcome)


async def deliver(
    rt: Runtime,
    command: Awaitable[OutcomeT],
    on_stored: Callable[[OutcomeT], None] | None = None,
) -> OutcomeT:
    """Await ``command`` (committed once it resolves), call ``on_stored`` (the
    acknowledgement), then publish the outcome's events."""
    outcome = await command
    if on_stored is not None:
        on_stored(outcome)
    await rt.publish(outcome.events)
    return outcome
