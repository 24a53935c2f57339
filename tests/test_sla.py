"""SLA targets and live alerts, over real sockets against a real server, in real time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clients import Agent, Visitor
from conftest import Server


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def set_policy(server: Server, admin: dict[str, Any], site: dict[str, Any], **fields: Any) -> Any:
    body = {
        "first_response_seconds": 1,
        "next_response_seconds": 1,
        "site_id": site["id"],
        **fields,
    }
    status, policy = server.api("PUT", "/api/v1/sla", admin["token"], body)
    assert status == 200, policy
    return policy


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, Any]:
    return server.create_agent("admin", "Deniz Admin")


async def frames_of(
    client: Agent, kind: str, conversation_id: str, seconds: float
) -> list[tuple[float, dict[str, Any]]]:
    """Every ``kind`` frame about the conversation for ``seconds``, with its arrival time."""
    found = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await client.recv(left)
        except TimeoutError:
            break
        if frame.get("type") == kind and frame.get("conversation_id") == conversation_id:
            found.append((time.time(), frame))
    return found


async def test_sla_breached_arrives_once_within_a_second_of_the_target_and_never_again(
    server: Server, admin: dict[str, Any], agent: dict[str, Any]
) -> None:
    site = server.create_site("Breach shop")
    set_policy(server, admin, site, first_response_seconds=1)
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("is anyone there?")
    opened = parse(ack["message"]["created_at"]).timestamp()
    conversation_id = ack["message"]["conversation_id"]

    breaches = await frames_of(console, "sla.breached", conversation_id, 4.0)

    assert len(breaches) == 1, breaches
    arrived, frame = breaches[0]
    assert 1.0 <= arrived - opened < 2.0
    assert frame["kind"] == "first_response"
    assert 1.0 <= frame["waited_seconds"] < 2.0
    await shopper.close()
    await console.close()


async def test_sla_warning_comes_first_at_the_configured_fraction_of_the_target(
    server: Server, admin: dict[str, Any], agent: dict[str, Any]
) -> None:
    site = server.create_site("Warning shop")
    set_policy(server, admin, site, first_response_seconds=2, warning_fraction=0.5)
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("hello")
    opened = parse(ack["message"]["created_at"]).timestamp()
    conversation_id = ack["message"]["conversation_id"]

    warning = await console.expect("sla.warning", timeout=3, conversation_id=conversation_id)
    warned = time.time()
    breach = await console.expect("sla.breached", timeout=3, conversation_id=conversation_id)
    breached = time.time()

    assert 1.0 <= warned - opened < 2.0
    assert 2.0 <= breached - opened < 3.0
    assert warning["kind"] == breach["kind"] == "first_response"
    await shopper.close()
    await console.close()


async def test_an_answer_before_the_target_sends_no_alert_and_a_next_response_is_timed_anew(
    server: Server, admin: dict[str, Any], agent: dict[str, Any]
) -> None:
    site = server.create_site("Quick shop")
    set_policy(server, admin, site, first_response_seconds=1, next_response_seconds=1)
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("hi")
    conversation_id = ack["message"]["conversation_id"]
    await asyncio.sleep(0.3)
    await console.say(conversation_id, "Hello! How can I help?")
    await shopper.say("where is my parcel?")

    alerts = await frames_of(console, "sla.breached", conversation_id, 1.8)

    assert len(alerts) == 1
    assert alerts[0][1]["kind"] == "next_response"
    await shopper.close()
    await console.close()


async def test_the_sla_endpoint_checks_business_hours_and_stores_them_in_canonical_form(
    server: Server, admin: dict[str, Any], agent: dict[str, Any]
) -> None:
    site = server.create_site("Hours shop")
    policy = set_policy(
        server,
        admin,
        site,
        business_hours={
            "timezone": "Europe/Istanbul",
            "intervals": {"mon": [["13:30", "18:00"], ["09:00", "12:30"]]},
            "holidays": ["2026-10-29"],
        },
    )
    assert policy["business_hours"] == {
        "timezone": "Europe/Istanbul",
        "intervals": {"mon": [["09:00", "12:30"], ["13:30", "18:00"]]},
        "holidays": ["2026-10-29"],
    }
    for bad in (
        {"timezone": "Mars/Olympus", "intervals": {"mon": [["09:00", "18:00"]]}},
        {"timezone": "UTC", "intervals": {"mon": [["18:00", "09:00"]]}},
        {"timezone": "UTC", "intervals": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}},
        {"timezone": "UTC", "intervals": {"funday": [["09:00", "12:00"]]}},
        {"timezone": "UTC", "intervals": {}},
        {"timezone": "UTC", "intervals": {"mon": [["9am", "5pm"]]}},
        {"timezone": "UTC", "intervals": {"mon": [["09:00", "17:00"]]}, "holidays": ["29.10.2026"]},
    ):
        status, body = server.api(
            "PUT",
            "/api/v1/sla",
            admin["token"],
            {
                "first_response_seconds": 30,
                "next_response_seconds": 60,
                "site_id": site["id"],
                "business_hours": bad,
            },
        )
        assert status == 400, (bad, body)
        assert body["error"]["code"] == "invalid_parameter"
        assert body["error"]["message"].startswith("business_hours")
    status, body = server.api(
        "PUT",
        "/api/v1/sla",
        agent["token"],
        {"first_response_seconds": 30, "next_response_seconds": 60},
    )
    assert status == 403


async def test_business_hours_start_the_clock_at_opening_time_for_a_wait_opened_before_it(
    server: Server, admin: dict[str, Any], agent: dict[str, Any]
) -> None:
    site = server.create_site("Opening shop")
    manager = server.create_agent("manager")
    console = await Agent.connect(server.ws_base, agent["token"])
    early = await Visitor.connect(server.ws_base, site["key"])
    waiting = await Visitor.connect(server.ws_base, site["key"])
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - now < timedelta(seconds=10):
        await asyncio.sleep((midnight - now).total_seconds() + 1)
        now = datetime.now(UTC)
    opening = (now + timedelta(seconds=3)).replace(microsecond=0)
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[opening.weekday()]
    set_policy(
        server,
        admin,
        site,
        first_response_seconds=1,
        business_hours={
            "timezone": "UTC",
            "intervals": {weekday: [[opening.strftime("%H:%M:%S"), "24:00"]]},
        },
    )
    early_ack = await early.say("are you open yet?")
    waiting_ack = await waiting.say("hello?")
    assert parse(early_ack["message"]["created_at"]) < opening
    assert parse(waiting_ack["message"]["created_at"]) < opening
    await asyncio.sleep((opening - datetime.now(UTC)).total_seconds() + 0.5)
    answer = await console.say(early_ack["message"]["conversation_id"], "Good morning!")

    breaches = await frames_of(
        console, "sla.breached", waiting_ack["message"]["conversation_id"], 2.0
    )

    # The wait opened about 3 s before opening; its 1 s target falls due 1 s after opening.
    assert len(breaches) == 1
    assert 1.0 <= breaches[0][0] - opening.timestamp() < 2.0
    early_answered = parse(answer["message"]["created_at"])
    status, figures = server.api(
        "GET", f"/api/v1/stats/response-times?site_id={site['id']}", manager["token"]
    )
    assert status == 200, figures
    wall, business = figures["first_response"], figures["business"]["first_response"]
    wall_seconds = (early_answered - parse(early_ack["message"]["created_at"])).total_seconds()
    assert wall["count"] == 1 and wall["max"] == wall_seconds > 2
    assert wall["breached"] == 2 and wall["within_sla"] == 0
    assert business["count"] == 1
    assert business["max"] == (early_answered - opening).total_seconds() < 1
    assert business["within_sla"] == 1 and business["breached"] == 1
    await early.close()
    await waiting.close()
    await console.close()
