import pytest

from chat_server.tracking import truncate_ip


def test_an_ipv4_address_loses_its_last_octet():
    assert truncate_ip("81.2.69.142") == "81.2.69.0"


def test_an_ipv6_address_keeps_only_its_first_48_bits():
    assert truncate_ip("2a02:d980:1:2:3:4:5:6") == "2a02:d980:1::"
    assert truncate_ip("2a02:d980::1") == "2a02:d980::"


def test_an_ipv4_mapped_ipv6_address_is_truncated_as_ipv4():
    assert truncate_ip("::ffff:81.2.69.142") == "81.2.69.0"


def test_an_already_truncated_address_stays_the_same():
    assert truncate_ip("81.2.69.0") == "81.2.69.0"
    assert truncate_ip("2a02:d980:1::") == "2a02:d980:1::"


def test_surrounding_whitespace_is_tolerated():
    assert truncate_ip(" 81.2.69.142\n") == "81.2.69.0"


def test_an_ipv6_zone_is_dropped():
    assert truncate_ip("fe80::1:2:3:4%eth0") == "fe80::"


@pytest.mark.parametrize(
    "ip", [None, "", "not an ip", "81.2.69", "81.2.69.142.1", "81.2.69.142:443", "::g", 42]
)
def test_something_that_is_not_an_address_gives_none(ip):
    assert truncate_ip(ip) is None
