"""Geolocation out of the box: DB-IP City Lite, used when CHAT_GEOIP_DB is unset.

`make setup` (and the Docker image) install the database into chat_server/data with
`python -m chat_server.tracking.geo_data`; these tests check what a fresh server then
shows for Turkish visitors behind a trusted proxy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clients import Visitor
from conftest import ROOT, make_server

from chat_server.config.settings import BUNDLED_GEOIP_NAME, load_settings
from chat_server.tracking import GeoLocator, geo_data

BUNDLED = geo_data.PACKAGE_DATA_DIR / BUNDLED_GEOIP_NAME

TURKISH_ADDRESSES = [
    ("88.255.0.1", "Istanbul", "Istanbul"),
    ("78.160.0.1", "Ankara", "Ankara"),
    ("2a02:ff0::1", "Şişli", "Istanbul"),
]


def test_make_setup_installed_the_city_database_with_its_attribution() -> None:
    assert BUNDLED.is_file(), "run `make setup` (python -m chat_server.tracking.geo_data)"
    attribution = (geo_data.PACKAGE_DATA_DIR / "DBIP-CITY-LITE-ATTRIBUTION.md").read_text()
    assert "Creative Commons Attribution 4.0" in attribution
    assert "db-ip.com" in attribution


@pytest.mark.parametrize(("ip", "city", "region"), TURKISH_ADDRESSES)
def test_turkish_addresses_are_located_with_a_time_zone_from_coordinates(
    ip: str, city: str, region: str
) -> None:
    with GeoLocator(BUNDLED) as geo:
        assert geo.locate(ip) == {
            "country_code": "TR",
            "country": "Turkey",
            "city": city,
            "region": region,
            "timezone": "Europe/Istanbul",  # DB-IP Lite has none: derived from coordinates
        }


def test_the_bundled_database_is_the_default_and_chat_geoip_db_still_overrides(
    tmp_path: Path,
) -> None:
    assert load_settings({"CHAT_DATA_DIR": str(tmp_path)}).geoip_db == BUNDLED
    other = ROOT / "tests" / "data" / "GeoIP2-City-Test.mmdb"
    chosen = load_settings({"CHAT_DATA_DIR": str(tmp_path), "CHAT_GEOIP_DB": str(other)})
    assert chosen.geoip_db == other
    assert load_settings({"CHAT_DATA_DIR": str(tmp_path), "CHAT_GEOIP_DB": ""}).geoip_db is None


def test_a_database_in_the_data_dir_comes_before_the_package_one(tmp_path: Path) -> None:
    geo_data.extract(BUNDLED, tmp_path)
    assert load_settings({"CHAT_DATA_DIR": str(tmp_path)}).geoip_db == tmp_path / BUNDLED_GEOIP_NAME


def test_a_wrong_file_is_refused_and_nothing_is_replaced(tmp_path: Path) -> None:
    fake = tmp_path / "fake.mmdb"
    fake.write_bytes(b"not the database")
    dest = tmp_path / "dest"
    with pytest.raises(geo_data.GeoDataError, match="SHA-256"):
        geo_data.extract(fake, dest)
    assert list(dest.iterdir()) == []


async def test_a_fresh_server_without_chat_geoip_db_shows_real_turkish_cities(
    tmp_path: Path,
) -> None:
    fresh = make_server(tmp_path / "fresh", CHAT_TRUSTED_PROXIES="127.0.0.1,::1")
    del fresh.env["CHAT_GEOIP_DB"]  # as `make run` starts it: nothing set
    fresh.start()
    try:
        shop = fresh.create_site()
        admin = fresh.create_agent("admin")
        for ip, city, region in TURKISH_ADDRESSES:
            shopper = await Visitor.connect(
                fresh.ws_base, shop["key"], headers={"X-Forwarded-For": f"10.1.2.3, {ip}"}
            )
            status, seen = fresh.api("GET", f"/api/v1/visitors/{shopper.id}", admin["token"])
            assert status == 200, seen
            assert seen["ip"] == ip
            geo: dict[str, Any] = seen["geo"]
            assert (geo["city"], geo["region"], geo["country_code"]) == (city, region, "TR")
            assert geo["timezone"] == "Europe/Istanbul"
            await shopper.close()
    finally:
        fresh.stop()
