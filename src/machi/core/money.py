"""Money: integer yen in the database, read from and shown in the 千円 people use."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from django.utils.translation import gettext

from machi.core.text import normalize

YEN = 1
THOUSAND_YEN = 1000

# How "none" (not budgeted) is written; it is never 0.
NONE_MARKS = frozenset({"", "-", "―", "－", "—", "–", "‐", "−", "ー", "ｰ"})
NEGATIVE_MARKS = ("△", "▲")
NONE_DISPLAY = "―"
MAX_YEN = 10**15  # 1,000兆円: beyond any budget, well inside the database's 64-bit integers


class AmountError(ValueError):
    """An amount that cannot be read; the message is for the person who typed it."""


def parse_amount(value, *, unit: int = THOUSAND_YEN) -> int | None:
    """An amount as written in a cell or a CSV field → integer yen, or None for ―.

    Accepts numbers, `1,000`, `１，０００`, `△500` / `▲500` (negative), a trailing
    unit (`千円`, `円`) that must agree with `unit`. A fraction of a yen is refused.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError(f"金額ではありません: {value!r}")
    if isinstance(value, int):
        return _to_yen(Decimal(value), unit, value)
    if isinstance(value, float):
        return _to_yen(Decimal(repr(value)), unit, value)
    raw = str(value)
    text = normalize(raw).replace(" ", "")
    if raw.strip() in NONE_MARKS or text in NONE_MARKS:
        return None
    if text.startswith("="):
        raise AmountError(f"数式は読み込めません（値を入力してください）: {raw!r}")
    negative = False
    if text[:1] in NEGATIVE_MARKS or raw.strip()[:1] in NEGATIVE_MARKS or text.startswith("-"):
        negative, text = True, text[1:]
    for suffix, suffix_unit in (("千円", THOUSAND_YEN), ("円", YEN)):
        if text.endswith(suffix):
            if suffix_unit != unit:
                raise AmountError(f"単位が表の単位と合いません: {raw!r}")
            text = text[: -len(suffix)]
            break
    text = text.replace(",", "")
    if not text or len(text) > 20:
        raise AmountError(f"金額を読み取れません: {raw!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"金額を読み取れません: {raw!r}") from None
    if not number.is_finite():
        raise AmountError(f"金額を読み取れません: {raw!r}")
    yen = _to_yen(number, unit, raw)
    return -yen if negative else yen


def _to_yen(number: Decimal, unit: int, original) -> int:
    if not number.is_finite():
        raise AmountError(f"金額を読み取れません: {original!r}")
    yen = number * unit
    if abs(yen) > MAX_YEN:
        raise AmountError(f"金額が大きすぎます: {original!r}")
    if yen != yen.to_integral_value():
        raise AmountError(f"1円未満の端数があります: {original!r}")
    return int(yen)


def yen_to_thousands(yen: int) -> Decimal:
    """Exact: 1,234,500 yen is 1234.5 千円 (never rounded away)."""
    return (Decimal(yen) / THOUSAND_YEN).normalize() if yen % THOUSAND_YEN else Decimal(yen // THOUSAND_YEN)


def format_thousands(yen: int | None) -> str:
    """Yen shown in 千円 with Japanese grouping, △ for negatives, ― for none."""
    if yen is None:
        return NONE_DISPLAY
    text = format_decimal(abs(yen_to_thousands(yen)), format="#,##0.###", locale="ja_JP")
    return f"△{text}" if yen < 0 else text


def format_yen(yen: int | None) -> str:
    if yen is None:
        return NONE_DISPLAY
    text = format_decimal(abs(yen), locale="ja_JP")
    return f"△{text}" if yen < 0 else text


def format_thousands_unit(yen: int | None) -> str:
    """An amount in 千円 with its unit, in the active language: 19,000千円, or 19,000 thousand yen."""
    if yen is None:
        return NONE_DISPLAY
    return gettext("%(amount)s千円") % {"amount": format_thousands(yen)}


def csv_thousands(yen: int | None) -> str:
    """A plain machine-readable 千円 figure for the canonical CSV (empty for none)."""
    if yen is None:
        return ""
    return format(yen_to_thousands(yen), "f")


def execution_rate(settled: int | None, revised: int | None) -> Decimal | None:
    """決算 ÷ 予算現額 (2月補正後), or None where it has no meaning."""
    if settled is None or not revised:
        return None
    return Decimal(settled) / Decimal(revised)


def format_rate(rate: Decimal | None) -> str:
    if rate is None:
        return NONE_DISPLAY
    return format_decimal(rate * 100, format="0.0", locale="ja_JP") + "%"


def move_yen(old: int | None, new: int | None) -> int | None:
    """How far a change moved a figure, counting ― as nothing: negative where it went down (shown △
    by `format_thousands`), None only from ― to ―."""
    if old is None and new is None:
        return None
    return (new or 0) - (old or 0)


def unused_amount(settled: int | None, revised: int | None) -> int | None:
    """不用額 = 予算現額 − 決算額 (no 繰越 in ward programmes). None where not budgeted."""
    if revised is None:
        return None
    return revised - (settled or 0)
