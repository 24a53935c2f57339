"""GET /api/v1/openapi.json: every /api/v1 route described, and the live server held to it.

The schemathesis run is bounded (10 examples per operation, about half a minute) and
authenticated as an admin; it checks that no request gets a 5xx and that every JSON
response matches the schema the document gives for its status. The ids of a seeded
visitor, conversation, canned reply and team are handed to it so that the operations on
one item get past 404.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from clients import Visitor
from conftest import Server, http
from starlette.routing import Route

from chat_server.web.endpoints import api
from chat_server.web.openapi.document import build_document

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# Operations left out of the fuzzing, and why.
NOT_FUZZED = {
    "/api/v1/auth/logout": "it revokes the token the run authenticates with",
}
# DELETE /api/v1/visitors/{id} erases the seeded visitor the other operations need.
NOT_FUZZED_OPERATION = "delete_visitors_id"


def routes() -> set[tuple[str, str]]:
    found = set()
    for route in api.routes:
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method not in ("HEAD", "OPTIONS"):  # CORS preflights are no operations
                found.add((method, "/api/v1" + route.path))
    return found


def documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in build_document()["paths"].items()
        for method in operations
    }


def test_every_api_route_is_in_the_document_and_nothing_else() -> None:
    assert routes() - documented() == set(), "routes missing from web/openapi/registry.py"
    assert documented() - routes() == set(), "operations in the document with no route"


def test_the_contract_shapes_have_the_contract_fields() -> None:
    schemas = build_document()["components"]["schemas"]
    assert set(schemas["Conversation"]["required"]) == {
        "id", "site_id", "visitor_id", "status", "assignee_id", "created_at",
        "first_response_at", "resolved_at", "last_seq",
    }  # fmt: skip
    assert set(schemas["Message"]["required"]) == {
        "id", "conversation_id", "seq", "client_id", "author", "text", "internal", "created_at",
        "attachments",
    }  # fmt: skip
    assert set(schemas["Attachment"]["required"]) == {
        "id", "name", "content_type", "size", "url", "thumbnail_url",
    }  # fmt: skip
    assert set(schemas["Visitor"]["required"]) >= {
        "id", "site_id", "online", "first_seen_at", "last_seen_at", "visits", "ip", "geo",
        "user_agent", "current_page", "pages", "search_keywords", "time_on_site_seconds",
    }  # fmt: skip
    assert set(schemas["Summary"]["required"]) == {
        "count", "mean", "p50", "p90", "max", "within_sla", "breached",
    }  # fmt: skip
    assert schemas["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}


def test_anyone_gets_the_document_from_the_server(server: Server) -> None:
    status, document = http("GET", f"{server.base}/api/v1/openapi.json")
    assert status == 200
    assert document["openapi"].startswith("3.1")
    assert document == json.loads(json.dumps(build_document()))
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    assert token["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenRequest"
    }
    listing = document["paths"]["/api/v1/conversations"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"status", "limit", "cursor"}
    assert listing["security"] == [{"bearer": []}]


async def seed(server: Server, admin: dict[str, Any]) -> dict[str, str]:
    site = server.create_site("Schemathesis shop")
    shopper = await Visitor.connect(
        server.ws_base, site["key"], headers={"X-Forwarded-For": "88.255.0.1"}
    )
    await shopper.say("kargom nerede?")
    token = admin["token"]
    _, conversations = http("GET", f"{server.base}/api/v1/conversations", None, token)
    status, canned = http(
        "POST",
        f"{server.base}/api/v1/canned-replies",
        {"shortcut": "kargo", "title": "Kargo", "text": "Merhaba {visitor_name}"},
        token,
    )
    assert status == 201, canned
    status, team = http("POST", f"{server.base}/api/v1/teams", {"name": "Kargo"}, token)
    assert status == 201, team
    await shopper.close()
    return {
        "conversations": conversations["conversations"][0]["id"],
        "visitors": shopper.id,
        "canned-replies": canned["id"],
        "teams": team["id"],
    }


def config(ids: dict[str, str]) -> str:
    """schemathesis.toml handing the seeded ids to the operations on one item."""
    blocks = [
        f'[[operations]]\ninclude-path-regex = "^/api/v1/{prefix}/"\n'
        f'parameters = {{ "path.id" = "{value}" }}\n'
        for prefix, value in ids.items()
    ]
    return "\n".join(blocks)


def test_schemathesis_finds_no_server_error_and_no_response_breaking_its_schema(
    server: Server, tmp_path: Path
) -> None:
    admin = server.create_agent("admin", "Şema Denetçisi")
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(asyncio.run(seed(server, admin))))
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(settings),
        "run",
        f"{server.base}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {admin['token']}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        "10",
        "--request-timeout",
        "15",
        "--generation-database",
        "none",
        "--no-color",
        "--exclude-operation-id",
        NOT_FUZZED_OPERATION,
    ]
    for path in NOT_FUZZED:
        command += ["--exclude-path", path]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " passed" in result.stdout, report
