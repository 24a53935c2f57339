"""The assistant's figures of a period (CONTRACT section 11): ``answered``,
``handed_over`` and ``resolved_without_agent``, over the conversations created in it.

- ``answered``: conversations in which the assistant sent at least one FAQ answer.
- ``handed_over``: conversations the assistant passed to people (asked for, an
  answer marked unhelpful, a question it could not answer, or its mode stopped
  applying).
- ``resolved_without_agent``: conversations whose visitor said an answer helped, that
  were never handed over and in which no agent wrote to the visitor, and that were
  resolved or have been idle for :data:`IDLE_AFTER`.

Bot messages never close a wait, so none of this touches the response-time figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.tables import Conversation, ConversationStatus, Message
from chat_server.stats.period import Period, SiteSet, on_sites

#: A conversation with no message for this long counts as finished for the figures.
IDLE_AFTER = timedelta(minutes=30)


def _count(condition: object) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def assistant_figures(
    session: AsyncSession, period: Period, sites: SiteSet, now: datetime
) -> dict[str, int]:
    last_message = (
        select(func.max(Message.created_at))
        .where(Message.conversation_id == Conversation.id)
        .scalar_subquery()
    )
    without_agent = and_(
        Conversation.bot_helpful.is_(True),
        Conversation.handed_over_at.is_(None),
        Conversation.first_response_at.is_(None),
        or_(
            Conversation.status == ConversationStatus.resolved.value,
            last_message < now - IDLE_AFTER,
        ),
    )
    row = (
        await session.execute(
            select(
                _count(Conversation.bot_answers > 0),
                _count(Conversation.handed_over_at.is_not(None)),
                _count(without_agent),
            ).where(
                Conversation.created_at >= period.since,
                Conversation.created_at < period.until,
                *on_sites(Conversation.site_id, sites),
            )
        )
    ).one()
    return {
        "answered": int(row[0]),
        "handed_over": int(row[1]),
        "resolved_without_agent": int(row[2]),
    }
