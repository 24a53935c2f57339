"""Bring the database schema to the newest Alembic revision."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from chat_server.config.assets import asset_dir
from chat_server.config.settings import Settings
from chat_server.storage.database import keep_sqlite_private


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(asset_dir("migrations")))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade_to_head(settings: Settings) -> None:
    if settings.is_sqlite:
        keep_sqlite_private(settings.database_url)
    command.upgrade(alembic_config(settings), "head")
