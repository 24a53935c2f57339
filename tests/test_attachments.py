"""Attachments both ways on a real server (CONTRACT section 12 and 14).

A shopper uploads with the widget's headers (``X-Site-Key`` + ``X-Visitor-Token``), an
agent with its bearer token; a message carries the uploads' ids; files are served
only to the conversation's visitor and the agents of its site, never as a page, and
go with the visitor when it is erased.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from clients import Agent, Visitor
from conftest import Server, make_server
from PIL import Image

# A minimal PDF: the type is judged from the bytes ("%PDF-").
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
GPS_TAG = 0x8825
ORIENTATION_TAG = 0x0112


def camera_jpeg(width: int = 800, height: int = 600) -> bytes:
    """A photo as a phone takes it: EXIF with GPS coordinates and an orientation."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION_TAG] = 6  # rotated 90 degrees: stored landscape, shown portrait
    exif[GPS_TAG] = {1: "N", 2: (41.0, 0.0, 0.0), 3: "E", 4: (29.0, 0.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def visitor_headers(site: dict[str, Any], visitor: Visitor) -> dict[str, str]:
    return {"X-Site-Key": site["key"], "X-Visitor-Token": visitor.token}


def upload(
    server: Server,
    data: bytes,
    name: str,
    headers: dict[str, str],
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    return httpx.post(
        f"{server.base}/api/v1/uploads",
        files={"file": (name, data, content_type)},
        headers=headers,
        timeout=30,
    )


def download(server: Server, url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{server.base}{url}", headers=headers, timeout=30)


async def agent_says(
    console: Agent, conversation_id: str, text: str, attachments: list[str]
) -> dict[str, Any]:
    client_id = uuid.uuid4().hex
    await console.send(
        {
            "type": "message.send",
            "conversation_id": conversation_id,
            "client_id": client_id,
            "text": text,
            "attachments": attachments,
        }
    )
    return await console.expect("ack", client_id=client_id)


def ask_preflight(server: Server, origin: str) -> httpx.Response:
    return httpx.options(
        f"{server.base}/api/v1/uploads",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-site-key,x-visitor-token",
        },
    )


def bearer(agent: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {agent['token']}"}


async def test_a_gps_tagged_photo_is_stored_upright_without_metadata(server: Server) -> None:
    site = server.create_site("Photo shop")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    try:
        response = upload(
            server, camera_jpeg(), "../../IMG_0001.JPG", visitor_headers(site, visitor)
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["content_type"] == "image/jpeg"
        assert body["name"] == "IMG_0001.jpg"
        assert body["url"] == f"/api/v1/uploads/{body['id']}"
        assert body["thumbnail_url"] == f"/api/v1/uploads/{body['id']}/thumbnail"

        stored = download(server, body["url"], visitor_headers(site, visitor))
        assert stored.status_code == 200
        assert stored.headers["content-type"] == "image/jpeg"
        assert stored.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in stored.headers["content-security-policy"]
        assert stored.headers["cache-control"].startswith("private")
        picture = Image.open(io.BytesIO(stored.content))
        assert len(picture.getexif()) == 0
        assert "exif" not in picture.info and "xmp" not in picture.info
        assert b"PhoneMaker" not in stored.content
        assert picture.size == (600, 800)  # the orientation was applied, then dropped
        assert body["size"] == len(stored.content)

        thumbnail = download(server, body["thumbnail_url"], visitor_headers(site, visitor))
        assert thumbnail.status_code == 200
        small = Image.open(io.BytesIO(thumbnail.content))
        assert max(small.size) == 320
        assert len(small.getexif()) == 0
    finally:
        await visitor.close()


async def test_types_are_judged_from_the_bytes_and_sizes_are_limited(server: Server) -> None:
    site = server.create_site("Type shop")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    headers = visitor_headers(site, visitor)
    try:
        pdf = upload(server, PDF, "fatura.pdf", headers, "application/pdf")
        assert pdf.status_code == 201, pdf.text
        assert pdf.json()["content_type"] == "application/pdf"
        assert pdf.json()["thumbnail_url"] is None
        served = download(server, pdf.json()["url"], headers)
        assert served.content == PDF
        assert served.headers["content-disposition"].startswith("attachment")

        html = upload(server, b"<html><script>alert(1)</script></html>", "x.jpg", headers)
        assert html.status_code == 415
        assert html.json()["error"]["code"] == "unsupported_type"
        exe = upload(server, b"MZ\x90\x00\x03" + b"\x00" * 300, "photo.jpg", headers, "image/jpeg")
        assert exe.status_code == 415

        too_big = upload(server, b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 8), "big.pdf", headers)
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "too_large"

        nobody = upload(server, PDF, "a.pdf", {"X-Site-Key": site["key"], "X-Visitor-Token": "x"})
        assert nobody.status_code == 401
    finally:
        await visitor.close()


async def test_an_attachment_reaches_the_agent_who_downloads_it(server: Server) -> None:
    site = server.create_site("Attach shop")
    agent = server.create_agent("agent", "Deniz")
    console = await Agent.connect(server.ws_base, agent["token"])
    visitor = await Visitor.connect(server.ws_base, site["key"])
    try:
        photo = upload(server, camera_jpeg(), "hasar.jpg", visitor_headers(site, visitor)).json()
        client_id = uuid.uuid4().hex
        await visitor.send(
            {
                "type": "message.send",
                "client_id": client_id,
                "text": "",
                "attachments": [photo["id"]],
            }
        )
        ack = await visitor.expect("ack", client_id=client_id)
        assert ack["message"]["text"] == ""
        assert ack["message"]["attachments"] == [photo]
        created = await console.expect("message.created")
        assert created["message"]["attachments"] == [photo]
        conversation_id = created["message"]["conversation_id"]

        served = download(server, photo["url"], bearer(agent))
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        status, detail = server.api(
            "GET", f"/api/v1/conversations/{conversation_id}", agent["token"]
        )
        assert status == 200
        assert detail["messages"][0]["attachments"] == [photo]

        # The agent answers with a PDF; the shopper gets it and may download it.
        pdf = upload(server, PDF, "iade-formu.pdf", bearer(agent)).json()
        reply = await agent_says(console, conversation_id, "Form ekte", [pdf["id"]])
        assert reply["message"]["attachments"] == [pdf]
        heard = await visitor.expect("message.created")
        while heard["message"]["author"]["kind"] != "agent":  # its own message's echo first
            heard = await visitor.expect("message.created")
        assert heard["message"]["attachments"] == [pdf]
        assert download(server, pdf["url"], visitor_headers(site, visitor)).content == PDF

        # An upload goes with one message only, and only its uploader may attach it.
        again = uuid.uuid4().hex
        await visitor.send(
            {"type": "message.send", "client_id": again, "text": "x", "attachments": [photo["id"]]}
        )
        error = await visitor.expect("error")
        assert error["code"] == "invalid_attachment"
        await visitor.send(
            {"type": "message.send", "client_id": again, "text": "y", "attachments": ["nope"]}
        )
        assert (await visitor.expect("error"))["code"] == "invalid_attachment"
        status, detail = server.api(
            "GET", f"/api/v1/conversations/{conversation_id}", agent["token"]
        )
        assert [m["text"] for m in detail["messages"]] == ["", "Form ekte"]
    finally:
        await visitor.close()
        await console.close()


async def test_strangers_get_404(server: Server) -> None:
    site = server.create_site("Private shop")
    other_site = server.create_site("Other shop")
    outsider = server.create_agent("agent", "Outsider", sites=(other_site["key"],))
    visitor = await Visitor.connect(server.ws_base, site["key"])
    stranger = await Visitor.connect(server.ws_base, site["key"])
    try:
        photo = upload(server, camera_jpeg(), "a.jpg", visitor_headers(site, visitor)).json()
        await visitor.send(
            {
                "type": "message.send",
                "client_id": uuid.uuid4().hex,
                "text": "foto",
                "attachments": [photo["id"]],
            }
        )
        await visitor.expect("ack")
        assert download(server, photo["url"], visitor_headers(site, stranger)).status_code == 404
        assert download(server, photo["thumbnail_url"], bearer(outsider)).status_code == 404
        assert download(server, photo["url"], {}).status_code == 401
    finally:
        await visitor.close()
        await stranger.close()


async def test_erasing_a_visitor_removes_its_files_from_disk(own_server: Server) -> None:
    site = own_server.create_site("Erase shop")
    admin = own_server.create_agent("admin", "Admin")
    visitor = await Visitor.connect(own_server.ws_base, site["key"])
    try:
        photo = upload(own_server, camera_jpeg(), "a.jpg", visitor_headers(site, visitor)).json()
        loose = upload(own_server, PDF, "b.pdf", visitor_headers(site, visitor)).json()
        await visitor.send(
            {
                "type": "message.send",
                "client_id": uuid.uuid4().hex,
                "text": "foto",
                "attachments": [photo["id"]],
            }
        )
        await visitor.expect("ack")
    finally:
        await visitor.close()
    folder = own_server.data_dir / "uploads"
    assert (folder / photo["id"]).exists() and (folder / loose["id"]).exists()
    assert oct((folder / photo["id"]).stat().st_mode & 0o777) == "0o600"
    status, body = own_server.api("DELETE", f"/api/v1/visitors/{visitor.id}", admin["token"])
    assert status in (200, 204), body
    assert sorted(path.name for path in folder.iterdir()) == []
    assert download(own_server, photo["url"], bearer(admin)).status_code == 404


async def test_a_visitor_may_upload_20_files_an_hour(server: Server) -> None:
    site = server.create_site("Busy shop")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    headers = visitor_headers(site, visitor)
    try:
        for _ in range(20):
            assert upload(server, PDF, "f.pdf", headers).status_code == 201
        refused = upload(server, PDF, "f.pdf", headers)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
    finally:
        await visitor.close()


async def test_storefront_origins_get_cors_and_others_are_refused(server: Server) -> None:
    site = server.create_site("Cors shop", origins=("https://shop.example",))
    visitor = await Visitor.connect(server.ws_base, site["key"], origin="https://shop.example")
    try:
        preflight = ask_preflight(server, "https://shop.example")
        assert preflight.status_code == 204
        assert "X-Visitor-Token" in preflight.headers["access-control-allow-headers"]
        headers = {**visitor_headers(site, visitor), "Origin": "https://shop.example"}
        allowed = upload(server, camera_jpeg(), "a.jpg", headers, "image/jpeg")
        assert allowed.status_code == 201
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        refused = upload(server, PDF, "a.pdf", {**headers, "Origin": "https://evil.example"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "origin_not_allowed"
    finally:
        await visitor.close()


async def database_round_trip(server: Server) -> None:
    site = server.create_site("Db shop")
    agent = server.create_agent("agent", "Db")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    try:
        photo = upload(server, camera_jpeg(), "a.jpg", visitor_headers(site, visitor)).json()
        pdf = upload(server, PDF, "b.pdf", visitor_headers(site, visitor)).json()
        await visitor.send(
            {
                "type": "message.send",
                "client_id": uuid.uuid4().hex,
                "text": "",
                "attachments": [photo["id"], pdf["id"]],
            }
        )
        await visitor.expect("ack")
        assert not (server.data_dir / "uploads" / photo["id"]).exists()
        assert download(server, pdf["url"], bearer(agent)).content == PDF
        thumbnail = download(server, photo["thumbnail_url"], bearer(agent))
        assert Image.open(io.BytesIO(thumbnail.content)).size[1] == 320
    finally:
        await visitor.close()


async def test_files_can_live_in_the_database(tmp_path: Path) -> None:
    running = make_server(tmp_path / "db", CHAT_UPLOADS="database")
    running.start()
    try:
        await database_round_trip(running)
    finally:
        running.stop()


@pytest.mark.backends
async def test_files_in_the_database_on_every_backend(tmp_path: Path) -> None:
    running = make_server(tmp_path / "backend", CHAT_UPLOADS="database")
    running.start()
    try:
        await database_round_trip(running)
    finally:
        running.stop()
