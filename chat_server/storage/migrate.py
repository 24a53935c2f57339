"""Bring the database schema to the newest Alembic revision."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from chat_server.config.assets import asset_dir
from chat_server.config.settings import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(asset_dir("migrations")))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade_to_head(settings: Settings) -> None:
    command.upgrade(alembic_config(settings), "head")
