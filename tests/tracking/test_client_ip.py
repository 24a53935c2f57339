import ipaddress
import re

import pytest

from chat_server.tracking import parse_ip, parse_trusted_proxies, resolve_client_ip

LOCAL = parse_trusted_proxies("127.0.0.1,::1")


def test_trusted_proxies_are_parsed_from_ips_and_cidrs():
    assert parse_trusted_proxies("127.0.0.1,::1, 10.0.0.0/8 ,\t192.168.0.0/16") == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.0.0/16"),
    )


def test_empty_items_and_an_empty_list_are_tolerated():
    assert parse_trusted_proxies("") == ()
    assert parse_trusted_proxies(" , 127.0.0.1 ,, ") == (ipaddress.ip_network("127.0.0.1/32"),)


def test_host_bits_in_a_cidr_are_allowed():
    assert parse_trusted_proxies("10.1.2.3/8") == (ipaddress.ip_network("10.0.0.0/8"),)


def test_repeated_entries_are_kept_once():
    assert parse_trusted_proxies("127.0.0.1, 127.0.0.1/32") == (
        ipaddress.ip_network("127.0.0.1/32"),
    )


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "1.2.3", "*", "fe80::/200"])
def test_a_bad_entry_raises_a_value_error_naming_it(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        parse_trusted_proxies(f"127.0.0.1, {bad}")


def test_a_trusted_peer_makes_the_forwarded_address_the_client():
    assert resolve_client_ip("127.0.0.1", "81.2.69.142", LOCAL) == "81.2.69.142"


def test_an_untrusted_peers_header_is_ignored():
    assert resolve_client_ip("10.0.0.5", "81.2.69.142", LOCAL) == "10.0.0.5"


def test_the_right_most_untrusted_address_of_a_chain_is_the_client():
    chain = "1.1.1.1, 81.2.69.142, 127.0.0.1"
    assert resolve_client_ip("127.0.0.1", chain, LOCAL) == "81.2.69.142"


def test_trusted_networks_in_the_chain_are_skipped():
    trusted = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")
    chain = "1.1.1.1, 81.2.69.142, 10.1.1.1, 10.2.2.2"
    assert resolve_client_ip("10.0.0.9", chain, trusted) == "81.2.69.142"


def test_a_spoofed_left_part_of_the_header_is_not_believed():
    # The client sent "X-Forwarded-For: 6.6.6.6" itself; the proxy appended its address.
    assert resolve_client_ip("127.0.0.1", "6.6.6.6, 81.2.69.142", LOCAL) == "81.2.69.142"


def test_when_every_address_is_trusted_the_left_most_is_the_client():
    trusted = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")
    assert resolve_client_ip("127.0.0.1", "10.0.0.1, 10.0.0.2", trusted) == "10.0.0.1"


def test_several_joined_headers_are_read_as_one_list():
    joined = ", ".join(["1.1.1.1", "81.2.69.142"])
    assert resolve_client_ip("127.0.0.1", joined, LOCAL) == "81.2.69.142"


def test_an_invalid_entry_stops_the_walk_at_the_last_good_address():
    trusted = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")
    assert resolve_client_ip("127.0.0.1", "81.2.69.142, unknown, 10.0.0.2", trusted) == "10.0.0.2"
    assert resolve_client_ip("127.0.0.1", "81.2.69.142, garbage", trusted) == "127.0.0.1"


def test_empty_items_in_the_header_are_skipped():
    assert resolve_client_ip("127.0.0.1", "81.2.69.142, , ", LOCAL) == "81.2.69.142"


def test_no_header_gives_the_peer():
    assert resolve_client_ip("127.0.0.1", None, LOCAL) == "127.0.0.1"
    assert resolve_client_ip("127.0.0.1", "", LOCAL) == "127.0.0.1"
    assert resolve_client_ip("81.2.69.142", None, LOCAL) == "81.2.69.142"


def test_an_ipv6_peer_and_chain_work():
    assert resolve_client_ip("::1", "2a02:d980::1", LOCAL) == "2a02:d980::1"
    assert resolve_client_ip("2a02:d980::1", "81.2.69.142", LOCAL) == "2a02:d980::1"


def test_addresses_are_normalised():
    assert resolve_client_ip("::1", "2A02:D980:0:0:0:0:0:0001", LOCAL) == "2a02:d980::1"
    assert resolve_client_ip("0:0:0:0:0:0:0:1", None, LOCAL) == "::1"


def test_ports_and_brackets_are_stripped():
    assert resolve_client_ip("127.0.0.1", "[2a02:d980::1]:443", LOCAL) == "2a02:d980::1"
    assert resolve_client_ip("127.0.0.1", "[2a02:d980::1]", LOCAL) == "2a02:d980::1"
    assert resolve_client_ip("127.0.0.1", "81.2.69.142:51234", LOCAL) == "81.2.69.142"


def test_an_ipv4_mapped_peer_is_the_ipv4_address_and_can_be_trusted():
    assert resolve_client_ip("::ffff:127.0.0.1", "81.2.69.142", LOCAL) == "81.2.69.142"
    assert resolve_client_ip("::ffff:81.2.69.142", None, LOCAL) == "81.2.69.142"


def test_a_missing_or_non_ip_peer_gives_none():
    assert resolve_client_ip(None, "81.2.69.142", LOCAL) is None
    assert resolve_client_ip("testclient", "81.2.69.142", LOCAL) is None
    assert resolve_client_ip("", None, LOCAL) is None


def test_nobody_is_trusted_with_an_empty_list():
    assert resolve_client_ip("127.0.0.1", "81.2.69.142", ()) == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("81.2.69.142", "81.2.69.142"),
        (" 81.2.69.142 ", "81.2.69.142"),
        ("81.2.69.142:80", "81.2.69.142"),
        ("[::1]:80", "::1"),
        ("::1", "::1"),
        ("81.2.69.142:", None),
        ("81.2.69.142:http", None),
        ("[::1", None),
        ("[::1]x", None),
        ("unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_ip(text, expected):
    address = parse_ip(text)
    assert (str(address) if address is not None else None) == expected
