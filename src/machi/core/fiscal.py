"""Fiscal years (April–March) and the Japanese eras they are written in."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils.translation import get_language

from machi.core.text import normalize

TOKYO = ZoneInfo("Asia/Tokyo")

# Era name → the Gregorian year of its first (元年) year. 令和N年度 = FY(2018+N).
ERAS = {"令和": 2019, "平成": 1989, "昭和": 1926}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}
# The last fiscal year each era can name: 平成31年度 is FY2019 (the same year as 令和元年度).
_ERA_LAST_FY = {"令和": 9999, "平成": 2019, "昭和": 1989}

_ERA_YEAR = re.compile(r"(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*年?度?", re.IGNORECASE)
_WESTERN_YEAR = re.compile(r"(?:FY\s*)?((?:19|20)\d{2})\s*年?度?", re.IGNORECASE)


def parse_fiscal_year(text: str | int) -> int:
    """Read a fiscal year as people write it: 令和4年度, 令和元年度, 平成31年度, R4, ２０２２年度, FY2022.

    Returns the Gregorian year the fiscal year starts in. Raises ValueError with a
    Japanese message when nothing in the text names a year.
    """
    found = find_fiscal_year(text)
    if found is None:
        raise ValueError(f"年度を読み取れません: {text!r}（例: 令和4年度、2022）")
    return found


def find_fiscal_year(text: str | int) -> int | None:
    """The fiscal year named anywhere in a text (a title row, say), or None."""
    if isinstance(text, int):
        return text if 1900 <= text <= 2200 else None
    value = normalize(text)
    era_match = _ERA_YEAR.search(value)
    if era_match:
        era = era_match.group(1)
        era = _ERA_LETTERS.get(era.upper(), era)
        number = 1 if era_match.group(2) == "元" else int(era_match.group(2))
        if number < 1:
            return None
        year = ERAS[era] + number - 1
        if year > _ERA_LAST_FY[era]:
            raise ValueError(f"{era}{number}年度は存在しません")
        return year
    western = _WESTERN_YEAR.search(value)
    return int(western.group(1)) if western else None


def wareki(fiscal_year: int) -> str:
    """令和4年度 for 2022, 令和元年度 for 2019 (never 平成31年度: the fiscal year is named by its era at 4/1)."""
    for era, first in ERAS.items():
        if fiscal_year >= first:
            number = fiscal_year - first + 1
            return f"{era}{'元' if number == 1 else number}年度"
    return f"{fiscal_year}年度"


# How an English page writes each era's name (Hepburn, without macrons, as the Cabinet Office does).
ERA_NAMES_EN = {"令和": "Reiwa", "平成": "Heisei", "昭和": "Showa"}


def fiscal_year_label(fiscal_year: int) -> str:
    """How a page or a mail names a fiscal year, in the active language: the one display helper.

    令和4年度 in Japanese; FY2022 (Reiwa 4) in English, the Western year first and the era after it,
    so a reader who knows either can place it. Published documents keep `wareki`.
    """
    if not (get_language() or "ja").startswith("en"):
        return wareki(fiscal_year)
    for era, first in ERAS.items():
        if fiscal_year >= first:
            return f"FY{fiscal_year} ({ERA_NAMES_EN[era]} {fiscal_year - first + 1})"
    return f"FY{fiscal_year}"


def fiscal_year_of(moment: dt.date | dt.datetime) -> int:
    """The fiscal year a date or an aware datetime falls in (Tokyo time)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: fiscal years are decided in Asia/Tokyo")
        moment = moment.astimezone(TOKYO).date()
    return moment.year if moment.month >= 4 else moment.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """April 1 to March 31 of the next calendar year."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def fiscal_periods(fiscal_year: int, month: dt.date | None = None) -> list[tuple[dt.date, dt.date]]:
    """The fiscal year and each of its months, as (first day, last day); or the one month asked for
    (refused outside the year). The periods a service posts its outcomes for."""
    start, end = fiscal_year_bounds(fiscal_year)
    if month is not None:
        first = month.replace(day=1)
        if not start <= first <= end:
            raise ValueError(
                f"{first:%Y年%-m月}は{fiscal_year}年度（{start:%Y年%-m月}〜{end:%Y年%-m月}）の月ではありません"
            )
        return [(first, month_end(first))]
    months = []
    first = start
    while first <= end:
        months.append((first, month_end(first)))
        first = month_end(first) + dt.timedelta(days=1)
    return [(start, end), *months]


def month_end(first: dt.date) -> dt.date:
    """The last day of the month `first` is in."""
    following = first.replace(day=1, year=first.year + first.month // 12, month=first.month % 12 + 1)
    return following - dt.timedelta(days=1)


# The first day of each era, newest first: 令和 began on 2019-05-01, 平成 on 1989-01-08.
_ERA_STARTS = (("令和", dt.date(2019, 5, 1)), ("平成", dt.date(1989, 1, 8)), ("昭和", dt.date(1926, 12, 25)))


def wareki_date(day: dt.date) -> str:
    """令和4年6月1日, 令和元年5月1日, 平成31年4月30日: a date as official letters write it."""
    for era, first in _ERA_STARTS:
        if day >= first:
            number = day.year - first.year + 1
            return f"{era}{'元' if number == 1 else number}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


_ERA_DATE = re.compile(
    r"^(令和|平成|昭和|[RHS])\.?(元|\d{1,2})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$", re.IGNORECASE
)
_WESTERN_DATE = re.compile(r"^(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$")


def parse_date(text: str) -> dt.date:
    """A date as people write it: 2022-05-01, 2022/5/1, 2022年5月1日, 令和4年5月1日, 令和元年5月1日, R4.5.1.

    Raises ValueError with a Japanese message naming what is wrong: an unreadable text, a day the
    month does not have (令和4年2月30日), or an era date outside its era (令和元年4月1日, 平成32年1月1日).
    """
    value = normalize(text).replace(" ", "")
    era_match = _ERA_DATE.fullmatch(value)
    western = _WESTERN_DATE.fullmatch(value)
    if era_match:
        era = _ERA_LETTERS.get(era_match.group(1).upper(), era_match.group(1))
        number = 1 if era_match.group(2) == "元" else int(era_match.group(2))
        year, month, day = ERAS[era] + number - 1, int(era_match.group(3)), int(era_match.group(4))
        written = f"{era}{era_match.group(2)}年{month}月{day}日"
    elif western:
        year, month, day = (int(part) for part in western.groups())
        written = f"{year}年{month}月{day}日"
    else:
        raise ValueError(f"日付を読み取れません（例: 2022-05-01、令和4年5月1日）: {text!r}")
    if not 1 <= month <= 12:
        raise ValueError(f"{written}: {month}月という月はありません")
    try:
        found = dt.date(year, month, day)
    except ValueError:
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        raise ValueError(f"{written}は存在しない日付です（{year}年{month}月は{last}日まで）") from None
    if era_match:
        starts = dict(_ERA_STARTS)
        later = [first for name, first in _ERA_STARTS if first > starts[era]]
        if number < 1 or found < starts[era] or (later and found >= min(later)):
            raise ValueError(f"{written}は{era}の期間にない日付です")
    return found
