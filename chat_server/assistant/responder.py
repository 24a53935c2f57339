"""The assistant's turn after a visitor message in a conversation it handles.

It reads the message first as a request (a person, a Yes or a No to "Did this
help?"), then as a question: a confident FAQ match is sent word for word with
"Did this help?"; otherwise it says a person will answer (or, with no one online,
asks for an e-mail address) and lists the question for the managers. It never
writes anything but an FAQ answer and the fixed phrases of
:mod:`~chat_server.assistant.phrases`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.assistant.gate import anyone_online
from chat_server.assistant.handover import (
    AssistantOutcome,
    bot_name,
    conversation_locale,
    hand_over_to_people,
    helped,
    say,
)
from chat_server.assistant.matching import best_answer
from chat_server.assistant.phrases import Intent, detect_locale, intent_of, phrase
from chat_server.assistant.unanswered import record_unanswered
from chat_server.chat.bot_posting import BotReply
from chat_server.chat.posting import Posted
from chat_server.model.events import ConversationChanged
from chat_server.model.tables import AuthorKind, Site
from chat_server.runtime.state import Runtime


async def _site(rt: Runtime, site_id: str) -> Site | None:
    session: AsyncSession
    async with rt.db.reading() as session:
        return await session.get(Site, site_id)


def _passed_to_people(posted: Posted) -> bool:
    """This very message ended the assistant's turn (its mode stopped applying)."""
    conversation = posted.conversation
    return (
        not conversation.handled_by_bot
        and conversation.handed_over_at is not None
        and conversation.handed_over_at == posted.message.created_at
    )


async def respond(rt: Runtime, posted: Posted) -> AssistantOutcome:
    """The assistant's answer to the visitor message just stored (nothing when it does
    not handle the conversation, or for a repeat of a message already answered)."""
    message, conversation = posted.message, posted.conversation
    if posted.duplicate or message.author_kind != AuthorKind.visitor.value:
        return AssistantOutcome()
    if _passed_to_people(posted):
        return AssistantOutcome([ConversationChanged(conversation, None, True)])
    if not conversation.handled_by_bot:
        return AssistantOutcome()
    site = await _site(rt, conversation.site_id)
    if site is None:
        return AssistantOutcome()
    locale = conversation_locale(conversation, site, detect_locale(message.text, site.locale))
    intent = intent_of(message.text)
    if intent in (Intent.person, Intent.no):
        unhelpful = intent == Intent.no and conversation.bot_feedback_seq is not None
        return await hand_over_to_people(rt, conversation.id, message.id, locale, unhelpful)
    if intent == Intent.yes and conversation.bot_feedback_seq is not None:
        return await helped(rt, site, conversation, locale, message.id)
    match = await best_answer(rt, site.id, locale, message.text)
    name = bot_name(site, locale)
    if match.answer is not None:
        replies = [
            BotReply(f"answer:{message.id}", match.answer.answer, answered=True),
            BotReply(f"ask:{message.id}", phrase(locale, "did_it_help"), asks_feedback=True),
        ]
        return await say(rt, conversation.id, name, replies)
    # Unsure: the question is listed for the managers, and a person takes over, so the
    # promise is kept and the wait measures people from now on.
    await record_unanswered(rt, site.id, locale, message.text, conversation.id)
    fallback = phrase(locale, "person_soon" if await anyone_online(rt, site.id) else "leave_email")
    return await hand_over_to_people(
        rt, conversation.id, message.id, locale, said_by_bot=(name, fallback)
    )
