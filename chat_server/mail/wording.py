"""The words of every e-mail, in Turkish and English (templates hold only layout)."""

from __future__ import annotations

LOCALES = ("tr", "en")
DEFAULT_LOCALE = "tr"

WORDS: dict[str, dict[str, str]] = {
    "tr": {
        "offline_subject": "{site}: çevrimdışıyken yeni mesaj",
        "offline_intro": "Hiçbir temsilci çevrimiçi değilken bir ziyaretçi mesaj bıraktı.",
        "missed_subject": "{site}: yanıtlanmayan sohbet",
        "missed_intro": "Bir ziyaretçi yanıt alamadan ayrıldı.",
        "more_subject": "{site}: sohbette yeni mesajlar",
        "more_intro": "Ziyaretçi yeni mesajlar yazdı.",
        "visitor": "Ziyaretçi",
        "email": "E-posta",
        "unknown": "bilinmiyor",
        "open_console": "Sohbeti konsolda aç",
        "reply_subject": "{site}: mesajınıza yanıt geldi",
        "reply_intro": "Merhaba{name}, sohbetinize yanıt verdik:",
        "reply_hint": "Bu e-postayı yanıtlayarak sohbete devam edebilirsiniz.",
        "transcript_subject": "{site}: sohbet dökümünüz",
        "transcript_intro": "İstediğiniz sohbet dökümü aşağıdadır.",
        "you": "Siz",
        "agent": "Temsilci",
        "system": "Sistem",
        "footer": "Bu e-posta {site} canlı destek tarafından gönderildi.",
    },
    "en": {
        "offline_subject": "{site}: new message while you were offline",
        "offline_intro": "A visitor left a message while no agent was online.",
        "missed_subject": "{site}: missed conversation",
        "missed_intro": "A visitor left without getting an answer.",
        "more_subject": "{site}: new messages in a conversation",
        "more_intro": "The visitor wrote again.",
        "visitor": "Visitor",
        "email": "E-mail",
        "unknown": "unknown",
        "open_console": "Open the conversation in the console",
        "reply_subject": "{site}: you have a reply",
        "reply_intro": "Hello{name}, we answered your chat:",
        "reply_hint": "Reply to this e-mail to continue the conversation.",
        "transcript_subject": "{site}: your chat transcript",
        "transcript_intro": "Here is the transcript you asked for.",
        "you": "You",
        "agent": "Agent",
        "system": "System",
        "footer": "This e-mail was sent by {site} live chat.",
    },
}


def pick_locale(*candidates: str | None) -> str:
    """The first of ``candidates`` that is a language we write, else Turkish."""
    for candidate in candidates:
        if candidate:
            short = candidate.strip().lower()[:2]
            if short in LOCALES:
                return short
    return DEFAULT_LOCALE


def words_for(locale: str) -> dict[str, str]:
    return WORDS.get(locale, WORDS[DEFAULT_LOCALE])
