"""The refusal of control characters in text values: one character class, the same set as
Unicode's categories Cc (but tab, line feed, carriage return), Cs and Co."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from shared.domain.values import _no_control_characters


def refused_by_category(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (category == "Cc" and ch not in "\t\n\r") or category in ("Cs", "Co")


def test_every_code_point_is_refused_exactly_when_its_category_says() -> None:
    differ = []
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        try:
            _no_control_characters(f"a{ch}b")
            refused = False
        except ValueError:
            refused = True
        if refused != refused_by_category(ch):
            differ.append(hex(code))
    assert differ == []


@pytest.mark.parametrize("text", ["Zażółć gęślą jaźń", "wiersz\ndrugi\tz tabulatorem\r\n", ""])
def test_text_with_line_breaks_and_polish_letters_passes(text: str) -> None:
    assert _no_control_characters(text) == text
