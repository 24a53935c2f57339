"""The one order every change follows: commit, acknowledge, then publish.

Commands hand :func:`deliver` their write; what it returns carries the domain
events of what was committed. The sender's ``ack`` goes out before anyone else
hears of the change, and a change that was not committed is never announced.
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
    commit: Callable[[], Awaitable[OutcomeT]],
    on_stored: Callable[[OutcomeT], None] | None = None,
) -> OutcomeT:
    """Run ``commit`` (which resolves once its transaction is committed), call
    ``on_stored`` (the acknowledgement), then publish the outcome's events."""
    outcome = await commit()
    if on_stored is not None:
        on_stored(outcome)
    if outcome.events:
        await rt.publish(outcome.events)
    return outcome
