"""The assistant's FAQ page in a real browser: a manager adds an entry, tests a question.

The manager opens ``/console/admin#faq``, adds an entry through the form, types an
informal question without Turkish letters into the test box and sees the entry the
assistant would answer with, and the candidates with their scores; an off-topic
question shows that the assistant would not answer. A CSV file is imported through the
file picker; a question the assistant could not answer becomes an entry in one click.
Captured in Turkish and English, and on a phone (390x844), into docs/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

from browser.browser_support import Browsing, screenshot
from browser.test_admin_screens import chat, console_login, open_section
from conftest import Server
from playwright.async_api import Page, ViewportSize, expect

from chat_server.assistant.unanswered import record_unanswered
from chat_server.config.settings import load_settings
from chat_server.realtime.bus import MemoryBus
from chat_server.realtime.presence import MemoryPresence
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database

PHONE: ViewportSize = {"width": 390, "height": 844}
CSV = (
    "question,answer,locale,alternates\n"
    '"Taksit seçenekleri nelerdir?","3, 6 ve 9 taksit.",tr,Taksitle alabilir miyim?\n'
    '"Can I pay in installments?","3, 6 or 9 installments.",en,Installment plans\n'
)


async def record(server: Server, site_id: str, text: str, locale: str = "en") -> None:
    """What the assistant does in a conversation it could not answer."""
    settings = load_settings(server.env)
    db = Database(settings)
    rt = Runtime(settings, db, MemoryBus(), MemoryPresence(), Signer(settings.secret_key))
    try:
        await record_unanswered(rt, site_id, locale, text, None)
    finally:
        await db.dispose()


async def add_entry(page: Page, question: str, answer: str, alternates: str) -> None:
    await page.locator(chat("faq-new")).click()
    sheet = page.locator(chat("admin-sheet"))
    await sheet.locator("input[name=question]").fill(question)
    await sheet.locator("textarea[name=answer]").fill(answer)
    await sheet.locator("textarea[name=alternates]").fill(alternates)
    await sheet.locator("select[name=locale]").select_option("tr")
    await sheet.locator(chat("admin-save")).click()
    await expect(sheet).to_have_count(0)


async def ask_box(page: Page, text: str) -> None:
    await page.locator(chat("faq-test-input")).fill(text)
    await page.locator(chat("faq-test-go")).click()


async def test_a_manager_adds_an_entry_and_tests_a_question(
    server: Server, browsing: Browsing, tmp_path: Path
) -> None:
    site = server.create_site("Kervan Çarşı")
    manager = server.create_agent("manager", "Mehmet Müdür", sites=(site["key"],))
    page = await console_login(browsing, server, manager, "tr")
    await open_section(page, server, "faq", "tr")
    await expect(page.locator(chat("faq-list"))).to_contain_text("Henüz kayıt yok")

    await add_entry(
        page,
        "Kargom nerede, nasıl takip ederim?",
        "Takip numaranız kargoya verildiğinde SMS ile gelir.",
        "Siparişim nerede?\nKargo takip numarası",
    )
    await expect(page.locator(chat("faq-row"))).to_have_count(1)
    await expect(page.locator(chat("faq-row"))).to_contain_text("Kargom nerede")

    await ask_box(page, "kargom nerde")
    answer = page.locator(chat("faq-test-answer"))
    await expect(answer).to_contain_text("Asistan şu yanıtı verirdi")
    await expect(answer).to_contain_text("Takip numaranız kargoya verildiğinde")
    await expect(page.locator(chat("faq-candidates")).locator("li")).to_have_count(1)
    await expect(page.locator(chat("faq-candidates"))).to_contain_text("%")

    # Importing a CSV file through the file picker adds its entries.
    csv_path = tmp_path / "sss.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    await page.locator(chat("faq-import-file")).set_input_files(str(csv_path))
    await expect(page.locator(chat("admin-toast"))).to_contain_text("2 kayıt içe aktarıldı")
    await expect(page.locator(chat("faq-row"))).to_have_count(3)

    await ask_box(page, "taksitle alabilirmiyim")
    await expect(page.locator(chat("faq-test-answer"))).to_contain_text("3, 6 ve 9 taksit")
    await screenshot(page, "faq-page-tr.png")

    await ask_box(page, "bugün hava nasıl")
    await expect(page.locator(chat("faq-test-none"))).to_contain_text("yanıt vermezdi")

    kargo = page.locator(chat("faq-row")).filter(has_text="Kargom nerede")
    await kargo.locator(chat("faq-edit")).click()
    sheet = page.locator(chat("admin-sheet"))
    await sheet.locator("textarea[name=answer]").fill("Takip numarası SMS ve e-postayla gelir.")
    await sheet.locator(chat("admin-save")).click()
    await expect(sheet).to_have_count(0)
    await expect(kargo).to_contain_text("SMS ve e-postayla gelir")

    english = page.locator(chat("faq-row")).filter(has_text="Can I pay in installments?")
    await english.locator(chat("faq-delete")).click()
    await english.locator(chat("faq-delete")).click()  # the first click only arms it
    await expect(page.locator(chat("faq-row"))).to_have_count(2)


async def test_an_unanswered_question_becomes_an_entry_in_english_and_on_a_phone(
    server: Server, browsing: Browsing
) -> None:
    site = server.create_site("Kervan Bazaar")
    manager = server.create_agent("manager", "Mary Manager", sites=(site["key"],))
    await record(server, site["id"], "Do you sell gift cards?")
    await record(server, site["id"], "do you sell gift cards")
    await record(server, site["id"], "Is there a fitting room in the store?")

    page = await console_login(browsing, server, manager, "en")
    await open_section(page, server, "faq", "en")
    rows = page.locator(chat("faq-unanswered-row"))
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Asked 2 times")

    await rows.first.locator(chat("faq-add-unanswered")).click()
    sheet = page.locator(chat("admin-sheet"))
    await expect(sheet.locator("input[name=question]")).to_have_value("do you sell gift cards")
    await sheet.locator("textarea[name=answer]").fill("Yes: gift cards of 250, 500 and 1,000 TL.")
    await sheet.locator("select[name=locale]").select_option("en")
    await sheet.locator(chat("admin-save")).click()
    await expect(sheet).to_have_count(0)
    await expect(page.locator(chat("faq-row"))).to_have_count(1)
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Asked once")

    await ask_box(page, "gift card?")
    await expect(page.locator(chat("faq-test-answer"))).to_contain_text("gift cards of 250")
    await screenshot(page, "faq-page-en.png")

    phone = await console_login(browsing, server, manager, "tr", PHONE)
    await open_section(phone, server, "faq", "tr")
    await ask_box(phone, "gift cards")
    await expect(phone.locator(chat("faq-test-out"))).not_to_have_attribute("aria-busy", "true")
    await expect(phone.locator(chat("faq-test-answer"))).to_contain_text("gift cards")
    await screenshot(phone, "faq-page-tr-phone.png")
