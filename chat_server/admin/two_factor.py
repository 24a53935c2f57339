"""Two-factor login turned on or off from the admin screens (admins only).

Turning it on stores a new TOTP secret (:func:`chat_server.admin.accounts.enable_otp`,
as ``chat-server agents otp`` does) and hands the secret and its ``otpauth://`` URI
back once, for the agent's authenticator app; from then on logging in needs a code.
Turning it off forgets the secret.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from chat_server.admin import accounts
from chat_server.model.errors import NotFound
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.security.otp import otp_uri


async def turn_on(rt: Runtime, agent_id: str) -> dict[str, str]:
    """A fresh secret for the agent: ``{"secret", "uri"}`` (an older secret stops working)."""
    agent = await accounts.agent_by_id(rt, agent_id)
    enabled = await accounts.enable_otp(rt, agent.email) if agent is not None else None
    if enabled is None:
        raise NotFound("not_found", "no such agent")
    account, secret = enabled
    return {"secret": secret, "uri": otp_uri(secret, account.email)}


async def turn_off(rt: Runtime, agent_id: str) -> None:
    def forget(connection: Connection) -> int:
        done = connection.execute(update(Agent).where(Agent.id == agent_id).values(otp_secret=None))
        return int(done.rowcount)

    if not await rt.db.write(forget):
        raise NotFound("not_found", "no such agent")
