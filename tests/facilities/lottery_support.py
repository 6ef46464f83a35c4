"""What the lottery tests share: the March 2027 lottery of the conftest's centre, and its moments.

The default schedule for March 2027 takes applications on 2027-01-01 09:00 … 01-07 23:59:59,
draws on 01-08 09:00, lets winners confirm until 01-15 23:59:59 and opens the leftovers
first-come on 01-16 09:00. Every action gets its moment by `now=`.
"""

import datetime
from zoneinfo import ZoneInfo

from machi.accounts.actors import SYSTEM
from machi.facilities import lottery as lotteries

TOKYO = ZoneInfo("Asia/Tokyo")
MONTH = datetime.date(2027, 3, 1)
DAY = datetime.date(2027, 3, 9)  # a Tuesday
OTHER_DAY = datetime.date(2027, 3, 10)


def at(month: int, day: int, hour: int, minute: int = 0, second: int = 0, year: int = 2027):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


SET_UP = at(11, 30, 10, year=2026)
BEFORE_WINDOW = at(1, 1, 8, 59)
IN_WINDOW = at(1, 3, 10)
AFTER_CLOSE = at(1, 8, 0, 0)
DRAW_TIME = at(1, 8, 9)
CONFIRMING = at(1, 10, 12)
AFTER_CONFIRM = at(1, 16, 0, 0)
FIRST_COME = at(1, 16, 9)


def make_lottery(centre, *, actor=SYSTEM, month=MONTH, max_choices=3, now=SET_UP):
    return lotteries.create_lottery(
        actor=actor,
        centre=centre,
        month=month,
        max_choices=max_choices,
        now=now,
        **lotteries.default_schedule(centre, month),
    )
