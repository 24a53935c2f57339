"""The console's admin screens (``/console/admin``): sites, agents, teams, SLA, canned replies,
the assistant's FAQ, webhooks (managers read them, admins change them).

The page is a shell: every list and form talks to the REST API with the console's
session cookie (and its CSRF token on changes), so the screens obey the same role and
tenancy rules as any script. Admins see every
section; managers see the ones CONTRACT section 14 lets them change (agents of their
sites, teams, canned replies); agents get ``403`` like ``/console/stats``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chat_server.model.tables import Role
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints import console
from chat_server.wire.views import agent_view

#: The sections each role may open, in the order the page shows them.
SECTIONS = {
    Role.admin.value: ("sites", "agents", "teams", "sla", "canned", "faq", "webhooks"),
    Role.manager.value: ("agents", "teams", "canned", "faq", "webhooks"),
}


def embed_base(request: Request, rt: Runtime) -> str:
    """Where shops load the widget from: the public URL when set, else this request's host."""
    public = rt.settings.public_url
    return (public or str(request.base_url)).rstrip("/")


async def admin_page(request: Request) -> Response:
    found = await console.session_agent(request)
    if found is None:
        return RedirectResponse("/console/login?next=/console/admin", 303)
    agent, csrf = found
    sections = SECTIONS.get(agent.role)
    if sections is None:
        lang = console.choose_language(request)
        return HTMLResponse(
            console.translations(lang).get("admin.forbidden", "Admins and managers only."),
            status_code=403,
        )
    rt: Runtime = request.app.state.runtime
    lang = console.choose_language(request)
    config = {
        "csrf_token": csrf,
        "agent": agent_view(agent),
        "sections": list(sections),
        "embed_base": embed_base(request, rt),
        "lang": lang,
    }
    response = console.templates.TemplateResponse(
        request,
        "admin.html",
        {
            "lang": lang,
            "t": console.translations(lang),
            "agent": agent_view(agent),
            "csrf_token": csrf,
            "sections": sections,
            "config": config,
        },
    )
    if request.query_params.get("lang") in console.LANGUAGES:
        response.set_cookie(console.LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response
