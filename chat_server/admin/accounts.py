"""Agent accounts: creation, login (password, then TOTP), activation, passwords, lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, func, select, update

from chat_server.model.errors import Conflict, DomainError
from chat_server.model.tables import Agent, Role, utcnow
from chat_server.runtime.state import Runtime
from chat_server.security.limits import MAX_EMAIL, normalise_email
from chat_server.security.otp import new_otp_secret, otp_matches
from chat_server.security.passwords import (
    hash_password,
    hash_password_off_loop,
    verify_password_off_loop,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


class LoginOutcome(StrEnum):
    ok = "ok"
    invalid_credentials = "invalid_credentials"
    otp_required = "otp_required"
    invalid_otp = "invalid_otp"


@dataclass(frozen=True)
class Login:
    outcome: LoginOutcome
    agent: Agent | None = None


async def create_agent(rt: Runtime, email: str, name: str, role: str, password: str) -> Agent:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise DomainError("invalid_email", f"{email!r} is not an e-mail address")
    if role not in {r.value for r in Role}:
        raise DomainError("invalid_role", "role must be agent, manager or admin")
    if not name.strip():
        raise DomainError("invalid_name", "an agent needs a name")
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", f"a password needs at least {MIN_PASSWORD} characters")
    async with rt.db.writing() as session:
        taken = await session.execute(select(Agent.id).where(func.lower(Agent.email) == email))
        if taken.first():
            raise Conflict("email_taken", f"an account with {email} exists already")
        agent = Agent(
            email=email,
            name=name.strip(),
            role=role,
            password_hash=hash_password(password),
            created_at=utcnow(),
        )
        session.add(agent)
    return agent


async def authenticate(rt: Runtime, email: str, password: str, otp: str | None = None) -> Login:
    """Password first: a wrong one is ``invalid_credentials`` whatever the code, so the
    answer about the code never confirms a password to someone who lacks it."""
    if len(email) > MAX_EMAIL:  # no account has such an address: no need to hash anything
        return Login(LoginOutcome.invalid_credentials)
    agent = await agent_by_email(rt, normalise_email(email))
    matches = await verify_password_off_loop(agent.password_hash if agent else None, password)
    if agent is None or not matches or not agent.active:
        return Login(LoginOutcome.invalid_credentials)
    if agent.otp_secret:
        if not otp:
            return Login(LoginOutcome.otp_required)
        if not otp_matches(agent.otp_secret, otp):
            return Login(LoginOutcome.invalid_otp)
    return Login(LoginOutcome.ok, agent)


async def agent_by_id(rt: Runtime, agent_id: str | None) -> Agent | None:
    if not agent_id:
        return None
    async with rt.db.reading() as session:
        agent = await session.get(Agent, agent_id)
    return agent if agent is not None and agent.active else None


async def agent_by_email(rt: Runtime, email: str) -> Agent | None:
    async with rt.db.reading() as session:
        return (
            await session.execute(select(Agent).where(Agent.email == email.strip().lower()))
        ).scalar_one_or_none()


async def _change(rt: Runtime, email: str, values: dict[str, object], bump: bool) -> Agent | None:
    """Applies ``values`` to the account of ``email`` (None when there is none); ``bump``
    refuses every token and session issued before."""
    address = email.strip().lower()

    def change(connection: Connection) -> bool:
        changes = dict(values)
        if bump:
            changes["credential_version"] = Agent.credential_version + 1
        done = connection.execute(update(Agent).where(Agent.email == address).values(changes))
        return bool(done.rowcount)

    if not await rt.db.write(change):
        return None
    return await agent_by_email(rt, address)


async def set_active(rt: Runtime, email: str, active: bool) -> Agent | None:
    """Activates or deactivates an account; deactivating ends its sessions."""
    return await _change(rt, email, {"active": active}, bump=not active)


async def set_password(rt: Runtime, email: str, password: str) -> Agent | None:
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", f"a password needs at least {MIN_PASSWORD} characters")
    password_hash = await hash_password_off_loop(password)
    return await _change(rt, email, {"password_hash": password_hash}, bump=True)


async def enable_otp(rt: Runtime, email: str) -> tuple[Agent, str] | None:
    """Turns on TOTP with a new secret (replacing any earlier one); the agent and secret."""
    secret = new_otp_secret()
    agent = await _change(rt, email, {"otp_secret": secret}, bump=False)
    return (agent, secret) if agent is not None else None
