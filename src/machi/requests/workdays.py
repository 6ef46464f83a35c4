"""Working days of the ward office: Monday to Friday, not a national holiday (振替休日 included, from the
`holidays` package), not 年末年始 (December 29 to January 3, when the city's offices close)."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset:
    return frozenset(holidays.Japan(years=year))


def is_working_day(day: datetime.date) -> bool:
    if day.weekday() >= 5 or day in _holidays(day.year):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `day` (a request received on a holiday counts from the next one)."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
