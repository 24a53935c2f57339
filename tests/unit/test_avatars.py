"""Initials avatars are readable: white initials on every palette colour pass WCAG AA."""

from __future__ import annotations

import pytest

from chat_server.admin.avatars import PALETTE, colour_of, image_type, initials


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", PALETTE)
def test_white_initials_on_each_colour_have_at_least_4_5_to_1(colour: str) -> None:
    assert (1.05) / (luminance(colour) + 0.05) >= 4.5


def test_a_name_always_gets_the_same_colour_of_the_palette() -> None:
    assert colour_of("Zeynep Kaya") == colour_of(" zeynep kaya ")
    assert colour_of("Zeynep Kaya") in PALETTE


def test_initials_take_the_first_letters_of_two_words() -> None:
    assert initials("Zeynep Kaya") == "ZK"
    assert initials("ali") == "A"
    assert initials("") == "?"


def test_pictures_are_recognised_by_their_first_bytes() -> None:
    assert image_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert image_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert image_type(b"GIF89a") is None
    assert image_type(b"<svg") is None
