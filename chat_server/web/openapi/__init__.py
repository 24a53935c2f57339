"""``GET /api/v1/openapi.json``: the REST API described for integrators.

``models`` holds the pydantic models of the request and response bodies, ``registry``
one :class:`~chat_server.web.openapi.registry.Operation` per ``/api/v1`` route (its
parameters, body and responses), and ``document`` builds the OpenAPI 3.1 document from
them once per process and serves it. ``tests/test_openapi.py`` fails when a route has
no operation here, and runs schemathesis against a live server with the document.

Part of ``web``: may import anything below it; nothing imports it but ``web.app``.
"""
