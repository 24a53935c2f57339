"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from conftest import fresh_database_url

from chat_server.config.settings import load_settings
from chat_server.storage.migrate import alembic_config, upgrade_to_head

pytestmark = pytest.mark.backends


def test_upgrading_to_head_leaves_nothing_for_autogenerate_to_add(tmp_path: Path) -> None:
    settings = load_settings(
        {"CHAT_DATA_DIR": str(tmp_path), "CHAT_DATABASE_URL": fresh_database_url(tmp_path)}
    )
    upgrade_to_head(settings)
    command.check(alembic_config(settings))  # raises if the models and the schema differ


def test_downgrading_to_base_and_upgrading_again_works(tmp_path: Path) -> None:
    settings = load_settings(
        {"CHAT_DATA_DIR": str(tmp_path), "CHAT_DATABASE_URL": fresh_database_url(tmp_path)}
    )
    upgrade_to_head(settings)
    command.downgrade(alembic_config(settings), "base")
    upgrade_to_head(settings)
    command.check(alembic_config(settings))
