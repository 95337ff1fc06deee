"""The phone fast path (core/phones.py) must agree with ``phonenumbers`` exactly:
same E.164 for every accepted number, same accept/reject decision and message for the
rest. Compared on a few thousand numbers typed the ways people type them, valid and
invalid (unknown DDDs, short and long numbers, trunk and carrier codes, "+55", "55",
"00", foreign numbers, letters, extensions, non-ASCII digits)."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from core import phones


def _outcome(value, country_code):
    try:
        return ("ok", phones.normalize_phone(value, country_code))
    except ValidationError as error:
        return ("error", error.code, error.messages)


def _typed(rng: random.Random) -> str:
    ddd = rng.choice([rng.randint(10, 99), rng.randint(10, 99), rng.randint(0, 9), 11, 34, 55, 90, 99])
    ddd = f"{ddd:02d}" if rng.random() < 0.9 else str(ddd)
    length = rng.choice([9, 9, 9, 8, 8, 7, 10, 6])
    first = rng.choice("9999876543210")
    number = first + "".join(rng.choices("0123456789", k=length - 1))
    head, tail = number[: len(number) - 4], number[len(number) - 4 :]
    formats = [
        f"({ddd}) {head}-{tail}",
        f"0{ddd} {head} {tail}",
        f"+55 {ddd} {head}-{tail}",
        f"+55 ({ddd}) {number}",
        f"{ddd}{number}",
        f"55{ddd}{number}",
        f"{ddd} {head}-{tail}",
        f"({ddd}){number}",
        f"0{ddd}-{head}-{tail}",
        f"{ddd} {number[0]} {number[1:5]}-{number[5:]}",
        f"{ddd}.{head}.{tail}",
        f"+55 0{ddd} {number}",
        f"+550{ddd}{number}",
        f"00{ddd}{number}",
        f"0055{ddd}{number}",
        f"0{rng.choice(['12', '14', '15', '21', '31', '41', '99'])}{ddd}{number}",  # carrier code
        f"+{rng.choice(['1', '351', '54', '5', '550'])} {ddd} {number}",
        f"+ 55 {ddd} {number}",
        f"+(55) {ddd} {number}",
        f"({ddd}) {head}-{tail})",
        f"{ddd} {head}-{tail} ramal 12",
        f"{ddd} {head}-{tail} #12",
        f"{ddd}{number}x3",
        f"tel:+55{ddd}{number}",
        f"({ddd})\t{number}",
        "".join(chr(0x0660 + int(d)) for d in f"{ddd}{number}"),  # Arabic-Indic digits
        f"{ddd}{number}"[: rng.randint(1, 9)],
        f"{ddd}{number}{rng.randint(0, 999)}",
        f"90{ddd}{number}",
        f"55{number}",
        f"(0{ddd}) {number}",
        f"-{ddd}{number}",
        f"{ddd}-{number}-",
    ]
    return rng.choice(formats)


def _cases(count: int, seed: int = 20240612):
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        value = _typed(rng)
        if rng.random() < 0.03:
            value = float(value) if value.isdigit() and value.isascii() else value  # a spreadsheet number
        cases.append((value, rng.choice(["", "", "55", "+55", " 55 ", None, "1", "351"])))
    return cases


def test_the_fast_path_agrees_with_phonenumbers_on_typed_numbers(monkeypatch):
    cases = _cases(4000)
    fast = [_outcome(value, code) for value, code in cases]
    monkeypatch.setattr(phones, "FAST_PATH", False)
    slow = [_outcome(value, code) for value, code in cases]
    disagreements = [(case, f, s) for case, f, s in zip(cases, fast, slow, strict=True) if f != s]
    assert not disagreements, disagreements[:10]
    # The comparison means something: both decisions occur, many through the fast path.
    decided = [phones._fast_e164(str(value).strip()) for value, _code in cases if isinstance(value, str) and value]
    assert sum(result is not None for result in decided) > len(cases) // 10
    assert any(result is phones._INVALID for result in decided)
    assert {outcome[0] for outcome in slow} == {"ok", "error"}


@pytest.mark.parametrize(
    "typed, e164",
    [
        ("(34) 99123-4567", "+5534991234567"),
        ("034 99123 4567", "+5534991234567"),
        ("+55 34 99123-4567", "+5534991234567"),
        ("5534991234567", "+5534991234567"),
        ("(11) 3212-3456", "+551132123456"),
        ("0 11 3212 3456", "+551132123456"),
    ],
)
def test_common_brazilian_formats_take_the_fast_path(typed, e164):
    assert phones._fast_e164(typed if not typed.startswith("55") else "+" + typed) == e164
    assert phones.normalize_phone(typed) == e164


def _stored(rng: random.Random) -> str:
    """A stored phone: mostly what ``normalize_phone`` accepts, some numbers it never
    stores (premium rate, 0800, short codes, odd lengths, other countries)."""
    ddd = rng.randint(11, 99)
    length = rng.choice([11, 11, 10, 10, 9, 12, 8])
    first = rng.choice("99998765432100")
    national = f"{ddd}{first}" + "".join(rng.choices("0123456789", k=length - 3))
    return rng.choice([f"+55{national}"] * 6 + ["+550800" + national[4:], "+5540041234", "+351912345678", "+55١١٩٩"])


def test_the_display_fast_path_agrees_with_phonenumbers_on_stored_numbers(monkeypatch):
    rng = random.Random(20261130)
    numbers = [_stored(rng) for _ in range(6000)]
    fast = [phones.format_phone(number) for number in numbers]
    monkeypatch.setattr(phones, "FAST_PATH", False)
    slow = [phones.format_phone(number) for number in numbers]
    disagreements = [(number, f, s) for number, f, s in zip(numbers, fast, slow, strict=True) if f != s]
    assert not disagreements, disagreements[:10]

    # The comparison means something: mobiles and landlines, and numbers left to phonenumbers.
    def accepted(number: str) -> bool:
        national = number[3:]
        return (
            number.startswith("+55")
            and len(national) in (10, 11)
            and national.isdigit()
            and phones._br_accepted(national)
        )

    assert {len(number) for number in numbers if accepted(number)} == {13, 14}
    assert sum(not accepted(number) for number in numbers) > 500


@pytest.mark.parametrize(
    "e164, shown",
    [("+5534991234567", "(34) 99123-4567"), ("+551132123456", "(11) 3212-3456"), ("tg:-1001234", "tg:-1001234")],
)
def test_a_stored_phone_is_shown_as_brazilians_write_it(e164, shown):
    assert phones.format_phone(e164) == shown


def test_a_stored_mobile_or_landline_is_shown_without_phonenumbers(monkeypatch):
    def parse(*args, **kwargs):
        raise AssertionError("phonenumbers.parse called")

    monkeypatch.setattr(phones.phonenumbers, "parse", parse)
    assert phones.format_phone("+5534991234567") == "(34) 99123-4567"
    assert phones.format_phone("+551132123456") == "(11) 3212-3456"
