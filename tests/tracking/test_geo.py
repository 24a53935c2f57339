from pathlib import Path

import pytest

from chat_server.tracking import GeoDatabaseError, GeoLocator

DATA = Path(__file__).resolve().parent.parent / "data"
CITY_DB = DATA / "GeoIP2-City-Test.mmdb"
COUNTRY_DB = DATA / "GeoIP2-Country-Test.mmdb"


@pytest.fixture(scope="module")
def locator():
    geo = GeoLocator(str(CITY_DB))
    yield geo
    geo.close()


def test_a_london_address_is_located_in_london_gb(locator):
    assert locator.locate("81.2.69.142") == {
        "country_code": "GB",
        "country": "United Kingdom",
        "city": "London",
        "region": "England",
        "timezone": "Europe/London",
    }


def test_an_ipv6_address_is_located_in_turkey_with_the_istanbul_timezone(locator):
    geo = locator.locate("2a02:d980::1")
    assert geo is not None
    assert geo["country_code"] == "TR"
    assert geo["country"] == "Turkey"
    assert geo["timezone"] == "Europe/Istanbul"
    assert geo["city"] is None
    assert geo["region"] is None


def test_names_are_in_english_even_with_non_ascii_letters(locator):
    geo = locator.locate("89.160.20.112")
    assert geo is not None
    assert geo["country"] == "Sweden"
    assert geo["city"] == "Linköping"


def test_an_ipv4_mapped_ipv6_address_is_located_like_the_ipv4_address(locator):
    assert locator.locate("::ffff:81.2.69.142") == locator.locate("81.2.69.142")


def test_surrounding_whitespace_is_tolerated(locator):
    assert locator.locate(" 81.2.69.142 ") == locator.locate("81.2.69.142")


@pytest.mark.parametrize(
    "ip",
    [
        None,
        "",
        "not an ip",
        "999.1.1.1",
        "81.2.69.142:443",
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.1",
        "172.16.0.1",
        "100.64.0.1",
        "169.254.1.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "1.1.1.1",  # public but not in the test database
        "\x00",
        "a" * 10_000,
    ],
)
def test_bad_private_or_unknown_addresses_give_none(locator, ip):
    assert locator.locate(ip) is None


def test_a_non_string_address_gives_none(locator):
    assert locator.locate(12345) is None  # type: ignore[arg-type]


def test_a_missing_file_is_refused_with_a_clear_message(tmp_path):
    missing = tmp_path / "nope.mmdb"
    with pytest.raises(GeoDatabaseError, match="does not exist") as info:
        GeoLocator(str(missing))
    assert str(missing) in str(info.value)


def test_the_error_is_a_value_error():
    assert issubclass(GeoDatabaseError, ValueError)


def test_a_file_that_is_not_a_maxmind_database_is_refused(tmp_path):
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(GeoDatabaseError, match="not a valid MaxMind DB"):
        GeoLocator(str(junk))


def test_an_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.mmdb"
    empty.write_bytes(b"")
    with pytest.raises(GeoDatabaseError):
        GeoLocator(str(empty))


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(GeoDatabaseError, match="directory"):
        GeoLocator(str(tmp_path))


def test_a_country_database_is_refused_because_a_city_database_is_needed():
    with pytest.raises(GeoDatabaseError, match="City"):
        GeoLocator(str(COUNTRY_DB))


def test_a_path_object_is_accepted():
    geo = GeoLocator(CITY_DB)
    try:
        assert geo.locate("81.2.69.142") is not None
    finally:
        geo.close()


def test_after_close_lookups_give_none_and_close_can_be_repeated():
    geo = GeoLocator(str(CITY_DB))
    geo.close()
    assert geo.locate("81.2.69.142") is None
    geo.close()


def test_it_works_as_a_context_manager():
    with GeoLocator(str(CITY_DB)) as geo:
        assert geo.locate("81.2.69.142") is not None
    assert geo.locate("81.2.69.142") is None
