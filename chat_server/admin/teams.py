"""Teams: named groups of agents over some sites, that a conversation can be transferred to.

Every agent may list the teams of its sites (a transfer picks one); managers and admins
create and change them, managers only over their own sites.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from chat_server.admin.agents import InvalidAgentField
from chat_server.model.errors import Forbidden, NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import (
    Agent,
    Conversation,
    Role,
    Site,
    Team,
    TeamAgent,
    TeamSite,
    utcnow,
)
from chat_server.runtime.state import Runtime

MAX_NAME = 100
FIELDS = frozenset({"name", "site_ids", "agent_ids"})


def check_body(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    unknown = set(body) - FIELDS - {"id"}
    if unknown:
        raise InvalidAgentField(sorted(unknown)[0], "not a team field")
    fields = {name: value for name, value in body.items() if name in FIELDS}
    if "name" in fields or creating:
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            raise InvalidAgentField("name", f"a team needs a name of at most {MAX_NAME} characters")
        fields["name"] = name.strip()
    for name in ("site_ids", "agent_ids"):
        value = fields.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidAgentField(name, "a list of ids")
        if name in fields:
            fields[name] = list(dict.fromkeys(value))
    return fields


def _views(connection: Connection, team_ids: list[str] | None) -> list[dict[str, Any]]:
    query = select(Team).order_by(Team.name, Team.id)
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    teams = list(connection.execute(query).all())
    sites: dict[str, list[str]] = defaultdict(list)
    agents: dict[str, list[str]] = defaultdict(list)
    for team_id, site_id in connection.execute(select(TeamSite.team_id, TeamSite.site_id)):
        sites[team_id].append(site_id)
    for team_id, agent_id in connection.execute(select(TeamAgent.team_id, TeamAgent.agent_id)):
        agents[team_id].append(agent_id)
    return [
        {"id": t.id, "name": t.name, "site_ids": sites[t.id], "agent_ids": agents[t.id]}
        for t in teams
    ]


def _visible(team: dict[str, Any], scope: Scope) -> bool:
    """A team with no site is every site's; otherwise it must share a site with the caller."""
    return not team["site_ids"] or bool(scope.filter_sites(team["site_ids"]))


async def list_teams(rt: Runtime, scope: Scope) -> list[dict[str, Any]]:
    teams = await rt.db.read(lambda connection: _views(connection, None))
    return [team for team in teams if _visible(team, scope)]


def _check_ids(connection: Connection, fields: dict[str, Any], scope: Scope) -> None:
    for name, table in (("site_ids", Site), ("agent_ids", Agent)):
        wanted = fields.get(name)
        if not wanted:
            continue
        found = set(connection.execute(select(table.id).where(table.id.in_(wanted))).scalars())
        missing = [value for value in wanted if value not in found]
        if missing:
            raise InvalidAgentField(name, f"no such id {missing[0]!r}")
    site_ids = fields.get("site_ids")
    if scope.role != Role.admin.value and site_ids is not None:
        if not site_ids and not scope.all_sites:
            raise Forbidden("forbidden", "only an admin may make a team of every site")
        if any(not scope.allows(site) for site in site_ids):
            raise NotFound("not_found", "no such site")


def _write(connection: Connection, team_id: str, fields: dict[str, Any]) -> None:
    if "name" in fields:
        connection.execute(update(Team).where(Team.id == team_id).values(name=fields["name"]))
    for name, table, column in (
        ("site_ids", TeamSite, "site_id"),
        ("agent_ids", TeamAgent, "agent_id"),
    ):
        if name not in fields:
            continue
        connection.execute(delete(table).where(table.team_id == team_id))
        if fields[name]:
            connection.execute(
                insert(table), [{"team_id": team_id, column: value} for value in fields[name]]
            )


async def create_team(rt: Runtime, fields: dict[str, Any], scope: Scope) -> dict[str, Any]:
    def create(connection: Connection) -> str:
        fields.setdefault("site_ids", [] if scope.all_sites else sorted(scope.site_ids or ()))
        _check_ids(connection, fields, scope)
        team = Team(name=fields["name"], created_at=utcnow())
        connection.execute(
            insert(Team).values(id=team.id, name=team.name, created_at=team.created_at)
        )
        _write(connection, team.id, fields)
        return team.id

    team_id = await rt.db.write(create)
    return (await rt.db.read(lambda connection: _views(connection, [team_id])))[0]


def _require(connection: Connection, team_id: str, scope: Scope) -> None:
    found = _views(connection, [team_id])
    if not found or not _visible(found[0], scope):
        raise NotFound("not_found", "no such team")
    if scope.role != Role.admin.value and not found[0]["site_ids"] and not scope.all_sites:
        raise Forbidden("forbidden", "only an admin may change a team of every site")


async def update_team(
    rt: Runtime, team_id: str, fields: dict[str, Any], scope: Scope
) -> dict[str, Any]:
    def change(connection: Connection) -> None:
        _require(connection, team_id, scope)
        _check_ids(connection, fields, scope)
        _write(connection, team_id, fields)

    await rt.db.write(change)
    return (await rt.db.read(lambda connection: _views(connection, [team_id])))[0]


async def delete_team(rt: Runtime, team_id: str, scope: Scope) -> None:
    def remove(connection: Connection) -> None:
        _require(connection, team_id, scope)
        _write(connection, team_id, {"site_ids": [], "agent_ids": []})
        # Conversations transferred to the team wait for anyone of their site again.
        connection.execute(
            update(Conversation).where(Conversation.team_id == team_id).values(team_id=None)
        )
        connection.execute(delete(Team).where(Team.id == team_id))

    await rt.db.write(remove)
