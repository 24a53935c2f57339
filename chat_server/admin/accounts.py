"""Agent accounts: creation, login, lookup."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from chat_server.model.errors import Conflict, DomainError
from chat_server.model.tables import Agent, Role, utcnow
from chat_server.runtime.state import Runtime
from chat_server.security.auth import hash_password, verify_password

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


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


async def authenticate(rt: Runtime, email: str, password: str) -> Agent | None:
    async with rt.db.reading() as session:
        agent = (
            await session.execute(select(Agent).where(Agent.email == email.strip().lower()))
        ).scalar_one_or_none()
    ok = verify_password(agent.password_hash if agent else None, password)
    return agent if ok and agent is not None and agent.active else None


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
