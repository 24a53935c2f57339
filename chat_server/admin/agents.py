"""Agent accounts as the API and the admin screens manage them: the directory of
colleagues, creation with sites and teams, and changes by role.

Role rules (CONTRACT section 14): admins change everything; managers change only
``max_chats``, ``teams`` and ``active`` of the agents of their sites; agents change
nothing. Tenancy then hides accounts that share no site with the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from chat_server.admin import accounts
from chat_server.model.errors import Conflict, DomainError, Forbidden, NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import (
    Agent,
    AgentSite,
    AgentStatus,
    Conversation,
    ConversationStatus,
    Role,
    Site,
    Team,
    TeamAgent,
)
from chat_server.runtime.state import Runtime
from chat_server.security.passwords import hash_password_off_loop

MAX_CHATS_LIMIT = 100
MANAGER_FIELDS = frozenset({"max_chats", "teams", "active"})
FIELDS = frozenset({"email", "name", "role", "password", "sites", "teams", "max_chats", "active"})


class InvalidAgentField(DomainError):
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid_{field}", f"{field}: {message}")


def check_body(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The fields of an agents API body, checked by type (ids are checked on write)."""
    unknown = set(body) - FIELDS - {"id"}
    if unknown:
        raise InvalidAgentField(sorted(unknown)[0], "not an agent field")
    fields = {name: value for name, value in body.items() if name in FIELDS}
    for name in ("email", "name", "password"):
        if name in fields and not isinstance(fields[name], str):
            raise InvalidAgentField(name, "must be a string")
    if "role" in fields and fields["role"] not in {role.value for role in Role}:
        raise InvalidAgentField("role", "agent, manager or admin")
    if "sites" in fields:
        sites = fields["sites"]
        if sites is None and creating:
            del fields["sites"]
        elif not _id_list(sites) or not sites:
            raise InvalidAgentField("sites", "a non-empty list of site ids (omit it: every site)")
    if "teams" in fields and not _id_list(fields["teams"]):
        raise InvalidAgentField("teams", "a list of team ids")
    if "max_chats" in fields:
        value = fields["max_chats"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAgentField("max_chats", "a whole number")
        if not 0 <= value <= MAX_CHATS_LIMIT:
            raise InvalidAgentField("max_chats", f"between 0 and {MAX_CHATS_LIMIT}")
    if "active" in fields and not isinstance(fields["active"], bool):
        raise InvalidAgentField("active", "true or false")
    if creating:
        for name in ("email", "name", "password"):
            if name not in fields:
                raise InvalidAgentField(name, "required")
    return fields


def _id_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= 500 and all(isinstance(v, str) for v in value)


def _resolve_sites(connection: Connection, keys_or_ids: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(keys_or_ids))
    rows = connection.execute(
        select(Site.id, Site.key).where(or_(Site.id.in_(wanted), Site.key.in_(wanted)))
    ).all()
    found = {site_id: site_id for site_id, _ in rows} | {key: site_id for site_id, key in rows}
    missing = [value for value in wanted if value not in found]
    if missing:
        raise InvalidAgentField("sites", f"no site {missing[0]!r}")
    return list(dict.fromkeys(found[value] for value in wanted))


def _check_teams(connection: Connection, team_ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(team_ids))
    found = set(connection.execute(select(Team.id).where(Team.id.in_(wanted))).scalars())
    missing = [team for team in wanted if team not in found]
    if missing:
        raise InvalidAgentField("teams", f"no team {missing[0]!r}")
    return wanted


def _site_ids_of(connection: Connection, agent_ids: list[str]) -> dict[str, list[str]]:
    sites: dict[str, list[str]] = defaultdict(list)
    rows = connection.execute(
        select(AgentSite.agent_id, AgentSite.site_id).where(AgentSite.agent_id.in_(agent_ids))
    )
    for agent_id, site_id in rows:
        sites[agent_id].append(site_id)
    return sites


def _directory(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    agents = list(connection.execute(select(Agent).order_by(Agent.name, Agent.id)).all())
    ids = [row.id for row in agents]
    every_site = list(connection.execute(select(Site.id).order_by(Site.created_at)).scalars())
    own_sites = _site_ids_of(connection, ids)
    teams: dict[str, list[str]] = defaultdict(list)
    for team_id, agent_id in connection.execute(select(TeamAgent.team_id, TeamAgent.agent_id)):
        teams[agent_id].append(team_id)
    counted = connection.execute(
        select(Conversation.assignee_id, func.count())
        .where(
            Conversation.status == ConversationStatus.open.value,
            Conversation.assignee_id.is_not(None),
        )
        .group_by(Conversation.assignee_id)
    )
    open_chats: dict[str, int] = {agent_id: count for agent_id, count in counted}
    entries = []
    for row in agents:
        all_sites = row.role == Role.admin.value or row.all_sites
        sites = every_site if all_sites else own_sites.get(row.id, [])
        visible = scope.filter_sites(sites)
        if not visible and row.id != scope.agent_id and not scope.all_sites:
            continue  # shares no site with the caller (every-site callers see everyone)
        entries.append(
            {
                "row": row,
                "sites": visible,
                "all_sites": all_sites,
                "teams": teams.get(row.id, []),
                "open_chats": int(open_chats.get(row.id, 0)),
            }
        )
    return entries


def entry_view(entry: dict[str, Any], online: set[str], staff: bool) -> dict[str, Any]:
    row = entry["row"]
    status = row.status if row.id in online and row.active else AgentStatus.offline.value
    view = {
        "id": row.id,
        "name": row.name,
        "status": status,
        "open_chats": entry["open_chats"],
        "sites": entry["sites"],
        "teams": entry["teams"],
        "all_sites": entry["all_sites"],
    }
    if staff:
        view |= {
            "email": row.email,
            "role": row.role,
            "active": row.active,
            "max_chats": row.max_chats,
            "two_factor": row.otp_secret is not None,
        }
    return view


async def list_agents(rt: Runtime, scope: Scope, online: set[str]) -> list[dict[str, Any]]:
    """Every account sharing a site with the caller; e-mail and role for staff only."""
    staff = scope.role in (Role.manager.value, Role.admin.value)
    entries = await rt.db.read(lambda connection: _directory(connection, scope))
    return [entry_view(entry, online, staff) for entry in entries]


async def agent_entry(rt: Runtime, agent_id: str, scope: Scope, online: set[str]) -> dict[str, Any]:
    staff = scope.role in (Role.manager.value, Role.admin.value)
    entries = await rt.db.read(lambda connection: _directory(connection, scope))
    for entry in entries:
        if entry["row"].id == agent_id:
            return entry_view(entry, online, staff)
    raise NotFound("not_found", "no such agent")


def _write_memberships(
    connection: Connection, agent_id: str, sites: list[str] | None, teams: list[str] | None
) -> None:
    if sites is not None:
        connection.execute(delete(AgentSite).where(AgentSite.agent_id == agent_id))
        if sites:
            connection.execute(
                insert(AgentSite), [{"agent_id": agent_id, "site_id": s} for s in sites]
            )
    if teams is not None:
        connection.execute(delete(TeamAgent).where(TeamAgent.agent_id == agent_id))
        if teams:
            connection.execute(
                insert(TeamAgent), [{"agent_id": agent_id, "team_id": t} for t in teams]
            )


async def create_agent(rt: Runtime, fields: dict[str, Any]) -> str:
    """A new account (sites omitted: every site); returns its id."""
    sites = fields.get("sites")
    teams = fields.get("teams")

    def check(connection: Connection) -> tuple[list[str] | None, list[str] | None]:
        return (
            _resolve_sites(connection, sites) if sites is not None else None,
            _check_teams(connection, teams) if teams is not None else None,
        )

    site_ids, team_ids = await rt.db.read(check)
    agent = await accounts.create_agent(
        rt,
        fields["email"],
        fields["name"],
        fields.get("role", Role.agent.value),
        fields["password"],
    )

    def finish(connection: Connection) -> None:
        connection.execute(
            update(Agent)
            .where(Agent.id == agent.id)
            .values(
                all_sites=site_ids is None,
                max_chats=fields.get("max_chats", 5),
                active=fields.get("active", True),
            )
        )
        _write_memberships(connection, agent.id, site_ids, team_ids)

    await rt.db.write(finish)
    return agent.id


def _update(connection: Connection, agent_id: str, fields: dict[str, Any], scope: Scope) -> None:
    row = connection.execute(select(Agent).where(Agent.id == agent_id)).first()
    if row is None:
        raise NotFound("not_found", "no such agent")
    target_all = row.role == Role.admin.value or row.all_sites
    target_sites = None if target_all else _site_ids_of(connection, [agent_id]).get(agent_id, [])
    if target_sites is not None and not scope.filter_sites(target_sites):
        raise NotFound("not_found", "no such agent")
    if scope.role != Role.admin.value:
        if scope.role != Role.manager.value or not set(fields) <= MANAGER_FIELDS:
            raise Forbidden("forbidden", "your role may not change this")
        if row.role == Role.admin.value or (target_all and not scope.all_sites):
            raise Forbidden("forbidden", "only an admin may change this account")
    values: dict[str, Any] = {}
    if "email" in fields:
        email = fields["email"].strip().lower()
        if not accounts.EMAIL.match(email):
            raise InvalidAgentField("email", f"{email!r} is not an e-mail address")
        taken = connection.execute(
            select(Agent.id).where(func.lower(Agent.email) == email, Agent.id != agent_id)
        ).first()
        if taken:
            raise Conflict("email_taken", f"an account with {email} exists already")
        values["email"] = email
    if "name" in fields:
        if not fields["name"].strip():
            raise InvalidAgentField("name", "an agent needs a name")
        values["name"] = fields["name"].strip()
    for name in ("role", "max_chats"):
        if name in fields:
            values[name] = fields[name]
    bump = False
    if "password_hash" in fields:
        values["password_hash"] = fields["password_hash"]
        bump = True
    if "active" in fields:
        values["active"] = fields["active"]
        bump = bump or (row.active and not fields["active"])
    if bump:  # every token and session issued before is refused from now on
        values["credential_version"] = Agent.credential_version + 1
    sites = _resolve_sites(connection, fields["sites"]) if "sites" in fields else None
    teams = _check_teams(connection, fields["teams"]) if "teams" in fields else None
    if sites is not None:
        values["all_sites"] = False
    if values:
        connection.execute(update(Agent).where(Agent.id == agent_id).values(values))
    _write_memberships(connection, agent_id, sites, teams)


async def update_agent(rt: Runtime, agent_id: str, fields: dict[str, Any], scope: Scope) -> None:
    if "password" in fields:
        if scope.role != Role.admin.value:
            raise Forbidden("forbidden", "your role may not change this")
        password = fields.pop("password")
        if len(password) < accounts.MIN_PASSWORD:
            raise InvalidAgentField("password", f"at least {accounts.MIN_PASSWORD} characters")
        fields["password_hash"] = await hash_password_off_loop(password)
    await rt.db.write(lambda connection: _update(connection, agent_id, fields, scope))
