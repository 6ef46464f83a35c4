"""Dates in the sentences people read, in the active language: 2026年6月3日 / June 3, 2026.

For messages built with gettext (`_("%(day)sは休館日です") % {"day": day(date)}`): the
placeholders take these, so an English refusal shows an English date.
"""

import datetime

from django.utils import timezone, translation


def _english() -> bool:
    return (translation.get_language() or "ja").startswith("en")


def day(value: datetime.date) -> str:
    return f"{value:%B %-d, %Y}" if _english() else f"{value:%Y年%-m月%-d日}"


def month(value: datetime.date) -> str:
    return f"{value:%B %Y}" if _english() else f"{value:%Y年%-m月}"


def moment(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%B %-d, %Y %H:%M}" if _english() else f"{local:%Y年%-m月%-d日 %H:%M}"
