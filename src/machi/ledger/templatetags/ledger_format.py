"""Template filters that show the ledger's figures the way the ward's reports print them."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from machi.core import money
from machi.core.fiscal import fiscal_year_label
from machi.core.fiscal import wareki as _wareki

register = template.Library()


@register.filter
def thousands(yen: int | None) -> str:
    """Yen shown in 千円: 19,000,000 → 19,000; None → ―; negative → △."""
    return money.format_thousands(yen)


@register.filter
def rate(value) -> str:
    """An execution rate (a Decimal ratio) as 92.3%, or ― where it has no meaning."""
    return money.format_rate(value)


@register.filter
def figure(yen: int | None) -> str:
    """`thousands` for a table cell: ― is spoken as なし, since a screen reader skips a dash."""
    if yen is None:
        return _none()
    return money.format_thousands(yen)


@register.filter
def rate_figure(value) -> str:
    if value is None:
        return _none()
    return money.format_rate(value)


@register.filter
def wareki(fiscal_year: int) -> str:
    """2022 → 令和4年度 on a Japanese page, FY2022 (Reiwa 4) on an English one (`fiscal_year_label`)."""
    return fiscal_year_label(fiscal_year)


@register.filter
def western_year_note(fiscal_year: int, short: str = "") -> str:
    """The Western year after the era on a Japanese page — （2022年度）, or （2022） when `short` — and
    nothing on an English one, whose `wareki` already names it."""
    if fiscal_year_label(fiscal_year) != _wareki(fiscal_year):
        return ""
    return f"（{fiscal_year}）" if short else f"（{fiscal_year}年度）"


def _none() -> str:
    return format_html(
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
        money.NONE_DISPLAY,
        gettext("なし"),
    )
