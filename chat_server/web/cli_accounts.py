"""``chat-server agents deactivate|activate|passwd|otp EMAIL``: an account's access.

Each prints one JSON object on stdout; an unknown e-mail is one line on stderr and
exit status 1. Deactivating and changing a password bump the account's credential
version: every token and console session issued before is refused at once, and the
agent's open sockets (in any process) close within ``CHAT_SESSION_CHECK_SECONDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import orjson

from chat_server.admin import accounts
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.security.otp import otp_uri
from chat_server.wire.views import agent_view

T = TypeVar("T")
#: Runs ``work`` with a runtime over the migrated database (``cli.run_migrated``).
Runner = Callable[[Callable[[Runtime], Awaitable[Any]]], Any]


def _fail(message: str) -> NoReturn:
    print(f"chat-server: {message}", file=sys.stderr)
    raise SystemExit(1)


def _print(data: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(data).decode() + "\n")
    sys.stdout.flush()


def account_view(agent: Agent) -> dict[str, Any]:
    return {**agent_view(agent), "active": agent.active, "otp": agent.otp_secret is not None}


def _changed(agent: Agent | None, email: str) -> Agent:
    if agent is None:
        _fail(f"no agent with e-mail {email!r}")
    return agent


def register_account_commands(agent_commands: Any, run: Runner) -> None:
    """Adds the subcommands to the ``agents`` parser's subparsers."""

    def deactivate(args: argparse.Namespace) -> None:
        agent = run(lambda rt: accounts.set_active(rt, args.email, False))
        _print(account_view(_changed(agent, args.email)))

    def activate(args: argparse.Namespace) -> None:
        agent = run(lambda rt: accounts.set_active(rt, args.email, True))
        _print(account_view(_changed(agent, args.email)))

    def passwd(args: argparse.Namespace) -> None:
        if not args.password_stdin:
            _fail("--password-stdin is required: the password is read from standard input")
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            agent = run(lambda rt: accounts.set_password(rt, args.email, password))
        except DomainError as exc:
            _fail(exc.message)
        _print(account_view(_changed(agent, args.email)))

    def otp(args: argparse.Namespace) -> None:
        enabled = run(lambda rt: accounts.enable_otp(rt, args.email))
        if enabled is None:
            _fail(f"no agent with e-mail {args.email!r}")
        agent, secret = enabled
        _print({"secret": secret, "uri": otp_uri(secret, agent.email)})

    for name, handler, text in (
        ("deactivate", deactivate, "refuse the account's logins, tokens and sessions"),
        ("activate", activate, "let a deactivated account log in again"),
        ("passwd", passwd, "set a new password (refuses every earlier token and session)"),
        ("otp", otp, "turn on two-step login (TOTP); prints the secret and otpauth:// URI"),
    ):
        command = agent_commands.add_parser(name, help=text)
        command.add_argument("email", metavar="EMAIL")
        if name == "passwd":
            command.add_argument("--password-stdin", action="store_true")
        command.set_defaults(func=handler)
