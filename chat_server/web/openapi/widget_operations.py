"""The widget's public ``/api/v1`` operations, beside ``registry.OPERATIONS``."""

from __future__ import annotations

from chat_server.web.openapi.models import Open
from chat_server.web.openapi.registry import V1, Operation, Param


class WidgetSite(Open):
    id: str
    name: str
    color: str | None
    greeting: dict[str, str] | None
    locale: str | None


class WidgetConfig(Open):
    site: WidgetSite
    agents_online: int
    email: bool
    assistant: str


WIDGET_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        f"{V1}/widget/config",
        "The widget's settings for a site (CORS; 403 origin_not_allowed for a page "
        "whose origin the site does not allow, 404 not_found for an unknown key)",
        "widget",
        "anyone",
        WidgetConfig,
        params=(Param("site", "the site's public key (data-site of the embed tag)"),),
    ),
)
