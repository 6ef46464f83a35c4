"""How pages and mails write the small joins between words, in the active language.

Japanese joins a list with ・ or 、, a span of hours with 〜 and puts a note in full-width brackets;
English uses ", ", "–" and " (…)". Pages and mails go through these (or the `machi_display`
template filters) rather than writing the Japanese punctuation beside translated words, so an
English sentence never holds 、 or （.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext, pgettext


def join_words(items: Iterable) -> str:
    """午前・午後 in Japanese, "Morning, Afternoon" in English."""
    return pgettext("列挙の区切り", "・").join(str(item) for item in items)


def join_clauses(items: Iterable) -> str:
    """謝礼金、消耗品費 in Japanese, "fees, supplies" in English."""
    return pgettext("列挙の区切り", "、").join(str(item) for item in items)


def time_range(start: dt.time, end: dt.time) -> str:
    """A span of hours: 9:00〜21:00 in Japanese, 9:00–21:00 in English."""
    return gettext("%(start)s〜%(end)s") % {"start": _hm(start), "end": _hm(end)}


def in_brackets(text) -> str:
    """A note after a word: （2022） in Japanese, " (2022)" in English."""
    return pgettext("括弧書き", "（%(note)s）") % {"note": text}


def _hm(moment: dt.time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"
