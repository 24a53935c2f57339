"""The demo site's FAQ (``chat-server demo``): a few Turkish and English entries, so the
assistant and the console's FAQ page have something to show. Added once: a demo site
that already has entries keeps them as they are."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from chat_server.assistant.faq import ENTRY, insert_entry
from chat_server.runtime.state import Runtime

DEMO_ENTRIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "tr",
        "Kargom nerede, nasıl takip ederim?",
        "Kargo takip numaranız sipariş kargoya verildiğinde SMS ve e-postayla gelir; "
        "Hesabım > Siparişlerim sayfasından da takip edebilirsiniz.",
        ("Siparişim nerede?", "Kargo takip numarası", "Paketim nerede?"),
    ),
    (
        "tr",
        "İade nasıl yapılır?",
        "Hesabım > Siparişlerim sayfasından iade talebi oluşturun ve ürünü size verilen "
        "iade koduyla 14 gün içinde ücretsiz gönderin.",
        ("Ürünü iade etmek istiyorum", "Ürünü geri göndermek istiyorum"),
    ),
    (
        "tr",
        "Kapıda ödeme var mı?",
        "Evet, kapıda nakit veya kartla ödeyebilirsiniz; hizmet bedeli 14,90 TL'dir.",
        ("Kapıda nakit ödeyebilir miyim?", "Kapıda kartla ödeme"),
    ),
    (
        "tr",
        "Taksit seçenekleri nelerdir?",
        "500 TL üzeri alışverişlerde anlaşmalı bankaların kartlarına 3, 6 ve 9 taksit var.",
        ("Taksitle alabilir miyim?", "Kaç taksit yapıyorsunuz?"),
    ),
    (
        "tr",
        "Kargo ücreti ne kadar?",
        "250 TL ve üzeri siparişlerde kargo ücretsiz; altında 39,90 TL.",
        ("Kargo bedava mı?", "Ücretsiz kargo var mı?"),
    ),
    (
        "en",
        "Where is my order and how can I track it?",
        "We text and e-mail you the tracking number when your order ships; you can also "
        "follow it under My Account > Orders.",
        ("Where is my package?", "Tracking number"),
    ),
    (
        "en",
        "How do I return an item?",
        "Create a return under My Account > Orders and send the item with the return code "
        "within 14 days, free of charge.",
        ("I want to return my order", "Can I send something back?"),
    ),
    (
        "en",
        "Can I pay in installments?",
        "Partner banks' credit cards get 3, 6 or 9 installments on orders over 500 TL.",
        ("Do you offer installment plans?",),
    ),
)


def _seed(connection: Connection, site_id: str) -> int:
    present = connection.execute(
        select(func.count()).select_from(ENTRY).where(ENTRY.c.site_id == site_id)
    ).scalar()
    if present:
        return 0
    for locale, question, answer, alternates in DEMO_ENTRIES:
        insert_entry(
            connection,
            {
                "site_id": site_id,
                "locale": locale,
                "question": question,
                "answer": answer,
                "alternates": list(alternates),
            },
        )
    return len(DEMO_ENTRIES)


async def seed_demo_faq(rt: Runtime, site_id: str) -> int:
    """Give the demo site its entries unless it has some; how many were added."""
    return await rt.db.write(lambda connection: _seed(connection, site_id))
