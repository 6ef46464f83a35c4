"""How pages and mails write the small joins between words, in the active language.

Japanese joins a list with ・ or 、, a span of hours with 〜 and puts a note in full-width brackets;
English uses ", ", "–" and " (…)". Pages and mails go through these (or the `machi_display`
template filters) rather than writing the Japanese punctuation beside translated words, so an
English sentence never holds 、 or （.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext, override, pgettext


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


class Phrase:
    """A sentence the system composes (a grant's confirmed amount explained …), said in whichever language
    reads it: `str()` in the active language — a mail, written under its addressee's language, calls it
    there — and `japanese()` for the record that keeps it (histories are Japanese, as the ward files them).

    `message` is a msgid (Japanese, with %(name)s placeholders); `values` fill it.
    """

    def __init__(self, message: str, **values):
        self.message, self.values = message, values

    def __str__(self) -> str:
        return gettext(self.message) % self.values

    def __call__(self) -> str:  # a template calls what it is given: {{ note }} reads the phrase
        return str(self)

    def japanese(self) -> str:
        with override("ja"):
            return str(self)
