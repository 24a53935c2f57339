"""The settings issue 16 added: CHAT_METRICS_TOKEN, CHAT_LOG_FORMAT=text (contract §1)."""

from pathlib import Path

import pytest

from chat_server.config.settings import SettingsError, load_settings


def test_log_format_text_is_the_contract_name_of_the_plain_format(tmp_path: Path) -> None:
    env = {"CHAT_DATA_DIR": str(tmp_path), "CHAT_GEOIP_DB": ""}
    assert load_settings({**env, "CHAT_LOG_FORMAT": "text"}).log_format == "plain"
    assert load_settings({**env, "CHAT_LOG_FORMAT": "json"}).log_format == "json"
    assert load_settings(env).log_format == "plain"
    with pytest.raises(SettingsError, match="CHAT_LOG_FORMAT"):
        load_settings({**env, "CHAT_LOG_FORMAT": "xml"})


def test_metrics_token_is_read_and_empty_means_open(tmp_path: Path) -> None:
    env = {"CHAT_DATA_DIR": str(tmp_path), "CHAT_GEOIP_DB": ""}
    assert load_settings({**env, "CHAT_METRICS_TOKEN": "s3cret"}).metrics_token == "s3cret"
    assert load_settings({**env, "CHAT_METRICS_TOKEN": ""}).metrics_token is None
    assert load_settings(env).metrics_token is None


def test_the_assistants_embeddings_are_on_unless_turned_off(tmp_path: Path) -> None:
    env = {"CHAT_DATA_DIR": str(tmp_path), "CHAT_GEOIP_DB": ""}
    assert load_settings(env).assistant_embeddings is True
    assert load_settings({**env, "CHAT_ASSISTANT_EMBEDDINGS": "off"}).assistant_embeddings is False
    assert load_settings({**env, "CHAT_ASSISTANT_EMBEDDINGS": "ON"}).assistant_embeddings is True
    with pytest.raises(SettingsError, match="CHAT_ASSISTANT_EMBEDDINGS"):
        load_settings({**env, "CHAT_ASSISTANT_EMBEDDINGS": "maybe"})
