"""The agent console pages: login, logout, the console itself (cookie sessions, CSRF)."""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from chat_server.admin import accounts, sessions
from chat_server.admin.accounts import LoginOutcome
from chat_server.config.assets import asset_dir
from chat_server.model.tables import Agent, Role, SessionKind
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import CONSOLE_SESSION_SECONDS, csrf_matches
from chat_server.sla.policy import load_policy
from chat_server.web.endpoints.guards import SESSION_COOKIE, client_address
from chat_server.web.module_preload import module_preloads
from chat_server.wire.views import agent_view

LOGIN_COOKIE = "chat_login"
LANG_COOKIE = "chat_lang"
LANGUAGES = ("tr", "en")

# The pages' entry modules (paths under agent_console/static); see module_preload.
CONSOLE_MODULES = ("js/console/main.js", "js/console/search.js", "js/console/canned.js")
STATS_MODULES = ("js/stats/main.js",)

templates = Jinja2Templates(directory=str(asset_dir("agent_console") / "templates"))


@lru_cache(maxsize=4)
def translations(lang: str) -> dict[str, str]:
    """The console's strings (``<lang>.json``) merged with each page's (``<page>.<lang>.json``)."""
    folder = asset_dir("agent_console") / "i18n"
    data: dict[str, str] = {}
    for path in [folder / f"{lang}.json", *sorted(folder.glob(f"*.{lang}.json"))]:
        if path.is_file():
            data.update(json.loads(path.read_text(encoding="utf-8")))
    return data


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "").lower()
    return "tr" if accept.startswith("tr") else "en"


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def _remember_language(request: Request, response: Response, lang: str) -> Response:
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


async def session_agent(request: Request) -> tuple[Agent, str] | None:
    """The agent and CSRF token of a console session that still counts (not logged
    out, not expired, the account active and its password unchanged)."""
    rt = _rt(request)
    cookie = rt.signer.read_console_cookie(request.cookies.get(SESSION_COOKIE))
    if cookie is None:
        return None
    agent = await sessions.agent_of_session(rt, cookie.session_id, SessionKind.console)
    return (agent, cookie.csrf) if agent else None


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/console") and not value.startswith("//"):
        return value
    return "/console/"


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    lang = choose_language(request)
    full = {"lang": lang, "t": translations(lang), **context}
    response = templates.TemplateResponse(request, name, full, status_code=status)
    response.headers["x-frame-options"] = "DENY"
    response.headers["referrer-policy"] = "same-origin"
    return _remember_language(request, response, lang)


async def login_page(request: Request) -> Response:
    rt = _rt(request)
    seed = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
    if request.method == "GET":
        if await session_agent(request):
            return RedirectResponse(_safe_next(request.query_params.get("next")), 303)
        response = _render(
            request,
            "login.html",
            {
                "csrf_token": rt.signer.anonymous_csrf(seed),
                "error": None,
                "email": "",
                "next": _safe_next(request.query_params.get("next")),
            },
        )
        response.set_cookie(LOGIN_COOKIE, seed, httponly=True, samesite="strict")
        return response
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    otp = str(form.get("otp") or "").strip() or None
    next_url = _safe_next(str(form.get("next") or ""))
    t = translations(choose_language(request))

    def fail(message: str, status: int, otp_needed: bool = False) -> Response:
        response = _render(
            request,
            "login.html",
            {
                "csrf_token": rt.signer.anonymous_csrf(seed),
                "error": message,
                "email": email[:320],
                "next": next_url,
                "otp_needed": otp_needed,
            },
            status,
        )
        response.set_cookie(LOGIN_COOKIE, seed, httponly=True, samesite="strict")
        return response

    if not request.cookies.get(LOGIN_COOKIE) or not csrf_matches(
        rt.signer.anonymous_csrf(seed), str(form.get("csrf_token") or "")
    ):
        return fail(t.get("login.error_csrf", "Your session expired; please try again."), 400)
    address = client_address(request)
    if await rt.login_guard.blocked(address, email):
        return fail(
            t.get("login.error_rate_limited", "Too many attempts; wait a few minutes."), 429
        )
    login = await accounts.authenticate(rt, email, password, otp)
    if login.agent is None:
        if login.outcome is LoginOutcome.otp_required:
            return fail(t.get("login.error_otp_required", "Enter the one-time code."), 401, True)
        await rt.login_guard.failed(address, email)
        if login.outcome is LoginOutcome.invalid_otp:
            return fail(t.get("login.error_invalid_otp", "Wrong one-time code."), 401, True)
        return fail(t.get("login.error_invalid", "Wrong e-mail or password."), 401)
    await rt.login_guard.succeeded(address, email)
    session_id = await sessions.open_session(
        rt, login.agent, SessionKind.console, CONSOLE_SESSION_SECONDS
    )
    response = RedirectResponse(next_url, 303)
    response.set_cookie(
        SESSION_COOKIE,
        rt.signer.issue_console_cookie(session_id),
        httponly=True,
        samesite="lax",
        max_age=int(CONSOLE_SESSION_SECONDS),
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


async def logout(request: Request) -> Response:
    """Ends the session for good: the cookie, even if kept, gets the login page."""
    rt = _rt(request)
    cookie = rt.signer.read_console_cookie(request.cookies.get(SESSION_COOKIE))
    form = await request.form()
    if cookie is not None:
        if not csrf_matches(cookie.csrf, str(form.get("csrf_token") or "")):
            return HTMLResponse("CSRF check failed", status_code=400)
        await sessions.revoke_session(rt, cookie.session_id)
    response = RedirectResponse("/console/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _login_redirect(request: Request) -> Response:
    return RedirectResponse(f"/console/login?next={quote(request.url.path)}", 303)


async def console_page(request: Request) -> Response:
    found = await session_agent(request)
    if found is None:
        return _login_redirect(request)
    agent, csrf = found
    rt = _rt(request)
    policy = await rt.db.read(load_policy)
    return _render(
        request,
        "console.html",
        {
            "csrf_token": csrf,
            "agent": agent_view(agent),
            "sla": policy.view(),
            "preload": module_preloads(CONSOLE_MODULES),
        },
    )


async def stats_page(request: Request) -> Response:
    found = await session_agent(request)
    if found is None:
        return _login_redirect(request)
    agent, csrf = found
    if agent.role not in (Role.manager.value, Role.admin.value):
        lang = choose_language(request)
        return HTMLResponse(
            translations(lang).get("stats.forbidden", "Managers only."), status_code=403
        )
    rt = _rt(request)
    policy = await rt.db.read(load_policy)
    return _render(
        request,
        "stats.html",
        {
            "csrf_token": csrf,
            "agent": agent_view(agent),
            "sla": policy.view(),
            "preload": module_preloads(STATS_MODULES),
        },
    )


routes = [
    Route("/", console_page, methods=["GET"]),
    Route("/login", login_page, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/stats", stats_page, methods=["GET"]),
    Mount(
        "/static",
        StaticFiles(directory=str(asset_dir("agent_console") / "static")),
        name="console-static",
    ),
]
