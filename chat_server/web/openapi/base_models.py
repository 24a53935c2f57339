"""The two kinds of REST body: responses that may grow, and request bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Open(BaseModel):
    """A response shape: the fields listed are always there, more may come."""

    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """A request body: the fields listed are the ones the server reads."""

    model_config = ConfigDict(extra="allow")
