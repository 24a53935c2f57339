"""Attachments in real Chromium: a shopper sends a photo from a GPS-tagged camera, the agent
sees it in the console without its metadata, and answers with a PDF the shopper downloads.

The shopper is on a storefront of another origin (the widget's uploads and downloads cross
origins with the visitor's headers); the agent is logged in to the console with its cookie.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

import pytest
from browser.browser_support import (
    Browsing,
    Storefront,
    hook,
    log_in,
    open_widget,
    screenshot,
)
from conftest import Server
from PIL import Image, ImageDraw
from playwright.async_api import Page, Route, expect

PHONE = {"width": 390, "height": 844}
GPS_TAG = 0x8825
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(scope="module")
def site(server: Server, storefront: Storefront) -> dict[str, Any]:
    created = server.create_site("Nordic Clay", origins=(storefront.origin,))
    storefront.open_shop(created)
    return created


@pytest.fixture
def helper(server: Server) -> dict[str, Any]:
    """An agent per test: one test's console closing must not make the next one's shop away."""
    return server.create_agent("agent", "Elif Kaya")


def damaged_lamp_photo(path: Path) -> Path:
    """A phone photo of a parcel: EXIF with the camera and the GPS position of the home."""
    image = Image.new("RGB", (1200, 900), (236, 226, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((350, 250, 850, 800), fill=(194, 87, 46))
    draw.line((420, 300, 780, 760), fill=(60, 40, 30), width=14)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_TAG] = {1: "N", 2: (41.0, 2.0, 3.0), 3: "E", 4: (28.0, 58.0, 1.0)}
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def bytes_of(path: Path | str) -> bytes:
    return Path(path).read_bytes()


async def attach_in_widget(page: Page, path: Path) -> None:
    await expect(page.locator(hook("attach"))).to_be_visible()
    await page.locator(hook("attach-input")).set_input_files(str(path))
    chip = page.locator(hook("attachment-chip"))
    await expect(chip).to_have_count(1)
    await expect(chip.locator("progress, .fs").first).to_be_attached()
    await expect(chip).to_have_attribute("data-state", "ready")


async def image_loaded(page: Page, selector: str) -> None:
    image = page.locator(selector).first
    await expect(image).to_have_attribute("src", re.compile(r"^(blob:|/api/v1/uploads/)"))
    await page.wait_for_function(
        "i => i.complete && i.naturalWidth > 0", arg=await image.element_handle(), timeout=15_000
    )


async def test_a_shopper_sends_a_photo_and_the_agent_sees_it_without_metadata(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
    tmp_path: Path,
) -> None:
    photo = damaged_lamp_photo(tmp_path / "IMG_2041.jpg")
    console = await log_in(browsing, server.base, helper)  # an agent online: the chat is open
    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.url(site))
    # The upload is held back a moment, so the chip's progress can be seen (and shown).
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        if route.request.method == "POST":
            await release.wait()
        await route.continue_()

    await shopper.route("**/api/v1/uploads", hold)
    await shopper.locator(hook("attach-input")).set_input_files(str(photo))
    chip = shopper.locator(hook("attachment-chip"))
    await expect(chip).to_have_attribute("data-state", "uploading")
    await expect(chip.locator("progress")).to_be_visible()
    await expect(chip).to_contain_text("Uploading")
    await screenshot(shopper, "attachments-widget-uploading-en.png")
    release.set()
    await expect(chip).to_have_attribute("data-state", "ready")
    await expect(chip).to_contain_text("Ready to send")
    await shopper.unroute("**/api/v1/uploads")
    text = "The lamp arrived broken"
    await shopper.locator(hook("input")).fill(text)
    await shopper.locator(hook("send")).click()
    sent = shopper.locator(hook("message", author="visitor")).filter(has_text=text)
    await expect(sent).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    await image_loaded(shopper, f"{hook('message', author='visitor')} {hook('attachment-image')}")
    await expect(shopper.locator(hook("attachment-chip"))).to_have_count(0)
    await screenshot(shopper, "attachments-widget-en.png")

    row = console.locator(hook("conversation-row")).filter(has_text=text)
    await row.click()
    thread_image = f"{hook('message', author='visitor')} {hook('attachment-image')}"
    await image_loaded(console, thread_image)
    link = console.locator(f"{hook('message', author='visitor')} {hook('attachment')} a").first
    href = await link.get_attribute("href")
    assert href and href.startswith("/api/v1/uploads/") and "token" not in href
    served = await console.request.get(server.base + href)
    assert served.ok and served.headers["content-type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(await served.body()))
    assert len(picture.getexif()) == 0 and b"PhoneMaker" not in await served.body()

    # The agent answers with a PDF; the shopper gets a download button for it.
    pdf = tmp_path / "iade-formu.pdf"
    pdf.write_bytes(PDF)
    await console.locator(hook("attach-input")).set_input_files(str(pdf))
    await expect(console.locator(hook("attachment-chip"))).to_have_attribute("data-state", "ready")
    await console.locator(hook("input")).fill("Sorry! Here is the return form.")
    await console.locator(hook("send")).click()
    await expect(console.locator(hook("attachment-chip"))).to_have_count(0)
    await expect(
        console.locator(f"{hook('message', author='agent')} {hook('attachment')}")
    ).to_contain_text("iade-formu.pdf")
    await screenshot(console, "attachments-console-en.png")
    download_button = shopper.locator(hook("attachment-download"))
    await expect(download_button).to_contain_text("iade-formu.pdf")
    async with shopper.expect_download() as downloading:
        await download_button.click()
    download = await downloading.value
    assert download.suggested_filename == "iade-formu.pdf"
    assert bytes_of(await download.path()) == PDF


async def test_a_turkish_shopper_on_a_phone_gets_errors_in_turkish(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
    tmp_path: Path,
) -> None:
    console = await log_in(browsing, server.base, helper, lang="tr")
    shopper = await browsing.new_page(PHONE, locale="tr-TR")
    browsing.allow_error("status of 415")  # the refused upload, which the widget explains
    await open_widget(shopper, storefront.url(site, "lamps.html"))
    await shopper.locator(hook("lang")).click()  # the storefront's page is in English
    await expect(shopper.locator(hook("input"))).to_have_attribute(
        "placeholder", "Bir mesaj yazın…"
    )
    fake = tmp_path / "fatura.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    await shopper.locator(hook("attach-input")).set_input_files(
        {"name": "notlar.txt", "mimeType": "text/plain", "buffer": b"merhaba"}
    )
    await expect(shopper.locator(hook("error"))).to_contain_text("yalnızca resim")
    # A page named .pdf that is HTML: the server judges the bytes and refuses it.
    await shopper.locator(hook("attach-input")).set_input_files(
        {"name": "fatura.pdf", "mimeType": "application/pdf", "buffer": fake.read_bytes()}
    )
    await expect(shopper.locator(hook("error"))).to_contain_text("fatura.pdf gönderilemez")
    await expect(shopper.locator(hook("attachment-chip"))).to_have_count(0)
    attach = shopper.locator(hook("attach"))
    await expect(attach).to_have_attribute("aria-label", "Resim veya PDF ekle")
    await attach_in_widget(shopper, damaged_lamp_photo(tmp_path / "kargo.jpg"))
    await shopper.locator(hook("input")).fill("Lamba kırık geldi")
    await shopper.locator(hook("send")).click()
    await image_loaded(shopper, f"{hook('message', author='visitor')} {hook('attachment-image')}")
    await screenshot(shopper, "attachments-widget-tr-phone.png")

    await console.locator(hook("conversation-row")).filter(has_text="Lamba kırık geldi").click()
    await image_loaded(console, f"{hook('message', author='visitor')} {hook('attachment-image')}")
    await expect(console.locator(hook("attach"))).to_have_attribute(
        "aria-label", "Resim veya PDF ekle"
    )
    await screenshot(console, "attachments-console-tr.png")
