"""The ``chat-server`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import orjson
import redis
import uvicorn
from starlette.applications import Starlette

from chat_server.admin import accounts, agents, site_fields, sites
from chat_server.assistant.demo_faq import seed_demo_faq
from chat_server.config.settings import Settings, SettingsError, load_settings
from chat_server.model.errors import DomainError
from chat_server.model.scope import Scope
from chat_server.model.tables import Agent, Site
from chat_server.observe import log_setup
from chat_server.realtime.bus import MemoryBus
from chat_server.realtime.presence import MemoryPresence
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head
from chat_server.tracking.geo import GeoDatabaseError, GeoLocator
from chat_server.web.app import create_app
from chat_server.web.cli_accounts import register_account_commands
from chat_server.web.endpoints.demo import DEMO_SITE_NAME
from chat_server.wire.views import agent_view, site_view

T = TypeVar("T")
# Under ``python -m chat_server.web.cli`` __name__ is "__main__"; the spec keeps the real name.
log = logging.getLogger(__spec__.name if __spec__ is not None else __name__)

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    ("agent@demo.local", "Ayşe Agent", "agent"),
    ("manager@demo.local", "Mehmet Manager", "manager"),
    ("admin@demo.local", "Deniz Admin", "admin"),
]


def fail(message: str, status: int = 2) -> NoReturn:
    print(f"chat-server: {message}", file=sys.stderr)
    raise SystemExit(status)


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data).decode() + "\n")
    sys.stdout.flush()


def load_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def settings_or_exit() -> Settings:
    """The settings (or one line on stderr and exit 2), with logging set up by them."""
    settings = load_or_exit()
    log_setup.configure(settings.log_format, settings.log_level)
    return settings


def with_runtime(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    async def main() -> T:
        db = Database(settings)
        try:
            return await work(
                Runtime(settings, db, MemoryBus(), MemoryPresence(), Signer(settings.secret_key))
            )
        finally:
            await db.dispose()

    return asyncio.run(main())


def check_services(settings: Settings) -> None:
    """Stop with one clear line if a configured service is unusable."""

    async def ping_database() -> None:
        db = Database(settings)
        try:
            await asyncio.wait_for(db.ping(), 10)
        finally:
            await db.dispose()

    try:
        asyncio.run(ping_database())
    except Exception as exc:
        fail(
            f"CHAT_DATABASE_URL: cannot open the database: {type(exc).__name__}: {exc}".splitlines()[
                0
            ]
        )
    if settings.redis_url:
        try:
            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5).ping()
        except Exception as exc:
            fail(f"CHAT_REDIS_URL: cannot reach Redis: {exc}".splitlines()[0])
    if settings.geoip_db is not None:
        try:
            GeoLocator(str(settings.geoip_db)).close()
        except GeoDatabaseError as exc:
            fail(f"CHAT_GEOIP_DB: {exc}")


def migrate(settings: Settings) -> None:
    try:
        upgrade_to_head(settings)
    except Exception as exc:
        fail(f"CHAT_DATABASE_URL: migration failed: {type(exc).__name__}: {exc}".splitlines()[0])


def run_migrated(work: Callable[[Any], Awaitable[T]]) -> T:
    settings = settings_or_exit()
    migrate(settings)
    return with_runtime(settings, work)


def app_factory() -> Starlette:
    """Used by uvicorn (also in worker processes): settings come from the environment.

    Logging is uvicorn's to set up here, from ``log_config`` (configuring it again
    would bring back the access log that ``access_log=False`` turned off).
    """
    return create_app(load_or_exit())


def cmd_run(args: argparse.Namespace) -> None:
    settings = settings_or_exit()
    check_services(settings)
    migrate(settings)
    if args.workers > 1 and settings.is_sqlite:
        log.warning(
            "several workers on SQLite share one file; use PostgreSQL and Redis to scale out"
        )
    if args.workers > 1 and not settings.redis_url:
        fail(
            "--workers: several workers need CHAT_REDIS_URL so that they share events and presence"
        )
    log.info(
        "starting on http://%s:%d: %d worker(s), %s, %s bus",
        args.host,
        args.port,
        args.workers,
        "SQLite" if settings.is_sqlite else "PostgreSQL",
        "Redis" if settings.redis_url else "in-process",
    )
    uvicorn.run(
        "chat_server.web.cli:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,  # the client IP is resolved in one place, with CHAT_TRUSTED_PROXIES
        # websockets-sansio, lighter per idle socket (see chat_server/realtime/lean_protocol.py)
        ws="chat_server.realtime.lean_protocol:LeanWebSocketsProtocol",
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        timeout_graceful_shutdown=5,
        log_level=settings.log_level,
        # Our format, secrets redacted; applied again in each worker process.
        log_config=log_setup.logging_config(settings.log_format, settings.log_level),
        access_log=False,
    )


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = settings_or_exit()
    migrate(settings)
    print("database is at the newest schema")


def cmd_sites_create(args: argparse.Namespace) -> None:
    settings = settings_or_exit()
    migrate(settings)
    try:
        site = with_runtime(
            settings, lambda rt: sites.create_site(rt, args.name, args.origin or [])
        )
    except DomainError as exc:
        fail(exc.message, 1)
    view = site_view(site)
    print_json({name: view[name] for name in ("id", "key", "name", "origins")})


def cmd_sites_list(args: argparse.Namespace) -> None:
    settings = settings_or_exit()
    migrate(settings)
    every_site = Scope("cli", "admin", None)
    found = with_runtime(settings, lambda rt: sites.list_sites(rt, every_site))
    print_json([site_view(site) for site in found])


def cmd_sites_update(args: argparse.Namespace) -> None:
    """Change a storefront's settings; the running server picks them up within seconds."""
    settings = settings_or_exit()
    migrate(settings)

    async def work(rt: Runtime) -> Site | None:
        site = await sites.find_site(rt, args.site)
        options = {field: getattr(args, field, None) for field in site_fields.FIELDS}
        if args.auto_invite is not None:
            options["auto_invite"] = orjson.loads(args.auto_invite)
        if args.routing is not None:
            options["routing"] = args.routing == "on"
        if args.search_params == [""]:
            options["search_params"] = []
        body = {field: value for field, value in options.items() if value is not None}
        if args.greeting_tr is not None or args.greeting_en is not None:
            given = {"tr": args.greeting_tr, "en": args.greeting_en}
            body["greeting"] = sites.merge_greeting(site, given)
        changes = site_fields.changes_from_body(body)
        if site is None:
            return None
        return await sites.update_site(rt, site.id, changes, args.add_origin)

    try:
        site = with_runtime(settings, work)
    except orjson.JSONDecodeError:
        fail("--auto-invite: not valid JSON", 1)
    except DomainError as exc:
        fail(exc.message, 1)
    if site is None:
        fail(f"no site with key or id {args.site!r}", 1)
    # "auto_invites": the name this command printed before the flat Site shape.
    print_json({**site_view(site), "auto_invites": site.auto_invites or []})


def cmd_agents_create(args: argparse.Namespace) -> None:
    if not args.password_stdin:
        fail("--password-stdin is required: the password is read from standard input", 1)
    password = sys.stdin.readline().rstrip("\r\n")
    settings = settings_or_exit()
    migrate(settings)
    fields = {"email": args.email, "name": args.name, "role": args.role, "password": password}
    if args.site:
        fields["sites"] = args.site  # none: every site

    async def work(rt: Runtime) -> Agent | None:
        return await accounts.agent_by_id(rt, await agents.create_agent(rt, fields))

    try:
        agent = with_runtime(settings, work)
    except DomainError as exc:
        fail(exc.message, 1)
    assert agent is not None
    print_json(agent_view(agent))


def cmd_demo(args: argparse.Namespace) -> None:
    settings = settings_or_exit()
    migrate(settings)
    origins = [f"http://{args.host}:{args.port}"]
    if args.host == "127.0.0.1":
        origins.append(f"http://localhost:{args.port}")

    async def work(rt: Any) -> dict[str, Any]:
        site = await sites.site_by_name(rt, DEMO_SITE_NAME)
        if site is None:
            site = await sites.create_site(
                rt,
                DEMO_SITE_NAME,
                origins,
                color="#b4532a",
                greeting={
                    "tr": "Merhaba! 👋 Size nasıl yardımcı olabiliriz?",
                    "en": "Hi there! 👋 How can we help you today?",
                },
            )
        created = []
        for email, name, role in DEMO_ACCOUNTS:
            if await accounts.agent_by_email(rt, email) is None:
                await accounts.create_agent(rt, email, name, role, DEMO_PASSWORD)
                created.append(email)
        await seed_demo_faq(rt, site.id)
        return {"site": site_view(site), "created": created}

    result = with_runtime(settings, work)
    base = f"http://{args.host}:{args.port}"
    print(f"Demo storefront:  {base}/demo/")
    print(f"Agent console:    {base}/console/  (stats: {base}/console/stats)")
    print(f"Demo site key:    {result['site']['key']}")
    for email, _name, role in DEMO_ACCOUNTS:
        print(f"  {role:<8} {email:<22} password: {DEMO_PASSWORD}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chat-server", description="Live chat server for online shops"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="migrate the database, then serve everything")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.set_defaults(func=cmd_run)

    commands.add_parser("migrate", help="apply the database migrations").set_defaults(
        func=cmd_migrate
    )

    site_commands = commands.add_parser("sites", help="manage storefronts").add_subparsers(
        dest="sites_command", required=True
    )
    create_site = site_commands.add_parser("create", help="create a storefront")
    create_site.add_argument("--name", required=True)
    create_site.add_argument(
        "--origin", action="append", help="an origin allowed to embed the widget"
    )
    create_site.set_defaults(func=cmd_sites_create)
    site_commands.add_parser("list", help="print every storefront (JSON)").set_defaults(
        func=cmd_sites_list
    )
    update_site = site_commands.add_parser("update", help="change a storefront's settings")
    update_site.add_argument("site", metavar="KEY_OR_ID")
    update_site.add_argument("--name")
    update_site.add_argument(
        "--origin", dest="origins", nargs="+", metavar="URL", help="the allowed origins (replaces)"
    )
    update_site.add_argument("--add-origin", action="append", metavar="URL", help="allow one more")
    update_site.add_argument("--notify-email", dest="notify_emails", nargs="+", metavar="ADDR")
    update_site.add_argument("--locale", choices=["tr", "en"])
    update_site.add_argument("--routing", choices=["on", "off"])
    update_site.add_argument("--assistant", choices=["off", "offline", "always"])
    update_site.add_argument(
        "--ip-mode",
        choices=["full", "truncate", "none"],
        help="store visitor IPs whole, truncated (IPv4 /24, IPv6 /48) or not at all; "
        "applies to what is already stored too",
    )
    update_site.add_argument(
        "--retention-days",
        type=int,
        metavar="N",
        help="purge journeys and resolved conversations older than N days (0: keep forever)",
    )
    update_site.add_argument(
        "--search-param",
        dest="search_params",
        action="append",
        metavar="P",
        help="a query parameter of the shop's own search (repeat for several; they replace "
        'q, s, search, query, keyword, k; "" restores those)',
    )
    update_site.add_argument("--color", help="the widget's colour, like #2563eb")
    update_site.add_argument("--greeting-tr", metavar="TEXT", help='Turkish greeting ("" removes)')
    update_site.add_argument("--greeting-en", metavar="TEXT", help='English greeting ("" removes)')
    update_site.add_argument(
        "--auto-invite",
        metavar="JSON",
        help='automatic invitations, e.g. \'[{"url_contains": "/cart", "after_seconds": 20, '
        '"text": {"tr": "...", "en": "..."}}]\' ([] removes them)',
    )
    update_site.set_defaults(func=cmd_sites_update)

    agent_commands = commands.add_parser("agents", help="manage agent accounts").add_subparsers(
        dest="agents_command", required=True
    )
    create_agent = agent_commands.add_parser("create", help="create an account")
    create_agent.add_argument("--email", required=True)
    create_agent.add_argument("--name", required=True)
    create_agent.add_argument("--role", required=True, choices=["agent", "manager", "admin"])
    create_agent.add_argument("--password-stdin", action="store_true")
    create_agent.add_argument(
        "--site",
        action="append",
        metavar="KEY_OR_ID",
        help="a site it belongs to (repeatable; none: every site)",
    )
    create_agent.set_defaults(func=cmd_agents_create)
    register_account_commands(agent_commands, run_migrated)

    demo = commands.add_parser("demo", help="create the demo site and demo accounts")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
