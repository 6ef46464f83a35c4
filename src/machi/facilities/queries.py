"""Questions about centres and bookings: is it open, is it free, when does booking open."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext

from machi.accounts.scope import centre_manager_ids, staff_ward_ids
from machi.core.text import normalize


class ReservationQuerySet(models.QuerySet):
    def active(self):
        """Bookings that hold their blocks (pending, confirmed, won, and past no-shows)."""
        return self.filter(status__in=self.model.HOLDING)

    def upcoming(self, today: datetime.date | None = None):
        return self.filter(date__gte=today or timezone.localdate())

    def of_holder(self, user):
        return self.filter(holder=user)

    def awaiting_approval(self):
        return self.filter(status=self.model.Status.PENDING)

    def at_centres(self, centre_ids: set[int] | None):
        return self if centre_ids is None else self.filter(room__centre_id__in=centre_ids)

    def in_month(self, month: datetime.date):
        first = month.replace(day=1)
        return self.filter(date__gte=first, date__lt=add_months(first, 1))

    def with_details(self):
        return self.select_related("room__centre__ward", "holder", "group", "booked_by").prefetch_related(
            "held_blocks__block"
        )


# Dates Machi accepts from a person or a program at all: beyond them nothing can be booked and the
# calendar maths (a month on, a week back) stops making sense.
FIRST_DATE, LAST_DATE = datetime.date(2000, 1, 1), datetime.date(2199, 12, 31)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@lru_cache(maxsize=64)
def _national_holidays(year: int, language: str = "ja") -> dict:
    return dict(holidays.Japan(years=year, language=language))


def national_holiday(day: datetime.date) -> str | None:
    """The name of the national holiday (国民の祝日、振替休日を含む) on this day, if any, in the page's language."""
    language = "en_US" if (get_language() or "ja").startswith("en") else "ja"
    return _national_holidays(day.year, language).get(day)


class RuleClosure(str):
    """A closure the centre's rules make (year end, a holiday, a closed weekday), said in full; an ad-hoc
    closure's reason is the text staff typed, which a page shows after 休館："""

    by_rule = True


def is_year_end_closure(day: datetime.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def closure_reason(centre, day: datetime.date, closed_days: dict | None = None) -> str | None:
    """Why the centre is closed on this day, or None when it is open.

    `closed_days` maps a date to its ad-hoc closure reason; pass it when asking about
    many days, so the closures are read once.
    """
    if closed_days is None:
        # No ordering: the default one (centre, date) would join centres and wards for one row.
        closed_days = dict(centre.closed_days.filter(date=day).order_by().values_list("date", "reason"))
    if day in closed_days:
        return closed_days[day]
    if centre.closed_year_end and is_year_end_closure(day):
        return RuleClosure(gettext("年末年始の休館日"))
    if centre.closed_on_holidays and (name := national_holiday(day)):
        return RuleClosure(gettext("祝日（%(name)s）の休館日") % {"name": name})
    if str(day.weekday()) not in centre.open_weekdays:
        return RuleClosure(pgettext("閉館の理由", "休館日"))
    return None


def booking_opens_at(centre, day: datetime.date, *, resident: bool, lottery=None) -> datetime.datetime:
    """The moment first-come booking of this day opens for this person.

    The month `window_months_ahead` before the day's month opens on `window_opens_day` at
    `window_opens_time`; residents of the ward may start `resident_head_start_days` earlier.
    Where the month is drawn by lottery, first-come waits for the lottery's leftovers.
    """
    opening_month = add_months(day, -centre.window_months_ahead)
    opening = timezone.make_aware(
        datetime.datetime.combine(
            opening_month.replace(day=centre.window_opens_day), centre.window_opens_time
        )
    )
    if resident and centre.resident_head_start_days:
        opening -= datetime.timedelta(days=centre.resident_head_start_days)
    if lottery is not None:
        opening = max(opening, lottery.first_come_opens_at)
    return opening


def counter_account(email: str, phone: str):
    """The active account with this address and this recorded phone number, or None.

    Staff booking at the counter find an account only by both together, so that an address
    alone tells them neither whose it is nor whether it has an account. Compared
    normalised: the address without regard to case, the numbers without hyphens or spaces.
    """
    email, key = normalize(email), phone_key(phone)
    if not email or not key:
        return None
    person = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if person is None or phone_key(person.phone) != key:
        return None
    return person


def phone_key(phone: str) -> str:
    """The digits of a phone number (全角 too), which two spellings of one number share."""
    return "".join(c for c in normalize(phone) if c.isdigit())


def block_starts(day: datetime.date, block) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, block.starts_at))


@dataclass(frozen=True)
class BlockState:
    block: object
    available: bool
    reason: str  # "" when available; otherwise why not, for a person to read

    @property
    def code(self) -> str:
        return self.block.code


@dataclass(frozen=True)
class DayState:
    date: datetime.date
    closed: str | None
    blocks: list[BlockState]

    @property
    def free_count(self) -> int:
        return sum(state.available for state in self.blocks)


HeldTimes = dict[tuple[int, datetime.date], list[tuple[datetime.time, datetime.time]]]


def held_times(**filters) -> HeldTimes:
    """The times active bookings hold, by (room id, day), among the held blocks these filters pick."""
    from machi.facilities.models import ReservationBlock

    held = defaultdict(list)
    rows = ReservationBlock.objects.filter(active=True, **filters).order_by()
    for room_id, day, starts_at, ends_at in rows.values_list("room_id", "date", "starts_at", "ends_at"):
        held[room_id, day].append((starts_at, ends_at))
    return held


def is_held(held: HeldTimes, room_id: int, day: datetime.date, block) -> bool:
    """Whether any booking holds time of this block (the block it booked, or one its times overlap)."""
    return any(start < block.ends_at and block.starts_at < end for start, end in held.get((room_id, day), ()))


def room_availability(room, start: datetime.date, end: datetime.date, *, now=None) -> list[DayState]:
    """Each day from start to end (inclusive) with each block of the room's centre: free or why not.

    Three queries whatever the range: the blocks, the closures and the held times.
    Whether booking has opened is not part of "free": that depends on who asks, and
    the booking action says so when it refuses.
    """
    now = now or timezone.now()
    centre = room.centre
    blocks = list(centre.blocks.all())
    closed_days = dict(centre.closed_days.filter(date__range=(start, end)).values_list("date", "reason"))
    held = held_times(room=room, date__range=(start, end))
    days = []
    day = start
    while day <= end:
        closed = closure_reason(centre, day, closed_days)
        states = []
        for block in blocks:
            if closed:
                reason = closed
            elif is_held(held, room.pk, day, block):
                reason = "予約済み"
            elif block_starts(day, block) <= now:
                reason = "受付終了"
            else:
                reason = ""
            states.append(BlockState(block=block, available=not reason, reason=reason))
        days.append(DayState(date=day, closed=closed, blocks=states))
        day += datetime.timedelta(days=1)
    return days


def free_rooms(ward, day: datetime.date, block_code: str, *, min_capacity: int = 0, now=None) -> list:
    """Rooms across a ward free on this day in this block (「この日のこの時間に空いている部屋」)."""
    from machi.facilities.models import Room

    now = now or timezone.now()
    rooms = (
        Room.objects.filter(centre__ward=ward, capacity__gte=min_capacity, centre__blocks__code=block_code)
        .select_related("centre")
        .prefetch_related("centre__closed_days", "centre__blocks")
        .order_by("centre__name_kana", "centre__name", "position", "id")
    )
    held = held_times(room__centre__ward=ward, date=day)
    result = []
    for room in rooms:
        centre = room.centre
        block = next(b for b in centre.blocks.all() if b.code == block_code)
        if is_held(held, room.pk, day, block):
            continue
        closed_days = {closure.date: closure.reason for closure in centre.closed_days.all()}
        if closure_reason(centre, day, closed_days):
            continue
        if block_starts(day, block) <= now:
            continue
        result.append(room)
    return result


def fee_for(room, block_count: int, group=None, exemptions: dict[str, int] | None = None) -> tuple[int, int]:
    """(fee, exemption) in yen: the room's fee per block times the blocks, less the group kind's 減免.

    `exemptions` maps a group kind to its percent, where the caller has the centre's already."""
    fee = room.fee_per_block_yen * block_count
    if group is None or fee == 0:
        return fee, 0
    if exemptions is None:
        exemptions = dict(
            room.centre.exemptions.filter(group_kind=group.kind).values_list("group_kind", "percent")
        )
    percent = exemptions.get(group.kind)
    if percent is None:
        return fee, 0
    # The exemption is rounded down, so the payer never pays less than the rule allows by a fraction.
    return fee, fee * percent // 100


# --- For the booking pages: opening per month, the month calendar, the manager's day sheet ----------


def lotteries_by_month(centre, months) -> dict:
    """The centre's lotteries for these months (any day of each), by the first of their month: one query."""
    from machi.facilities.models import Lottery

    months = {month.replace(day=1) for month in months}
    return {lottery.month: lottery for lottery in Lottery.objects.filter(centre=centre, month__in=months)}


def openings_by_month(
    centre, months, *, resident: bool, lotteries: dict | None = None
) -> dict[datetime.date, datetime.datetime]:
    """When first-come booking opens for each of these months (firsts of months): one query for lotteries
    (none where the caller has them from `lotteries_by_month`)."""
    months = {month.replace(day=1) for month in months}
    if lotteries is None:
        lotteries = lotteries_by_month(centre, months)
    return {
        month: booking_opens_at(centre, month, resident=resident, lottery=lotteries.get(month))
        for month in months
    }


@dataclass(frozen=True)
class CalendarDay:
    state: DayState
    holiday: str | None  # the national holiday's name, shown even where the centre opens on holidays

    @property
    def date(self) -> datetime.date:
        return self.state.date


def month_calendar(room, month: datetime.date, *, now=None) -> list[list[CalendarDay | None]]:
    """The month as weeks from Sunday to Saturday (as Japanese calendars print), None outside the month.

    The three queries of `room_availability`, whatever the month.
    """
    first = month.replace(day=1)
    last = add_months(first, 1) - datetime.timedelta(days=1)
    days = [
        CalendarDay(state=state, holiday=national_holiday(state.date))
        for state in room_availability(room, first, last, now=now)
    ]
    lead = (first.weekday() + 1) % 7  # Sunday = 0
    cells = [None] * lead + days
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


@dataclass(frozen=True)
class SheetCell:
    blocks: list  # the consecutive blocks this cell spans (one, or all a booking holds)
    reservation: object | None

    @property
    def span(self) -> int:
        return len(self.blocks)


@dataclass(frozen=True)
class SheetRow:
    room: object
    cells: list[SheetCell]


def day_sheet(centre, day: datetime.date) -> tuple[list, list[SheetRow]]:
    """The manager's day sheet: (blocks, rows), one row per room, a booking spanning the blocks it holds.

    Four queries: the blocks, the rooms, the day's active bookings and their held blocks.
    """
    from machi.facilities.models import Reservation

    blocks = list(centre.blocks.all())
    rooms = list(centre.rooms.all())
    bookings = (
        Reservation.objects.active()
        .filter(room__centre=centre, date=day)
        .select_related("holder", "group", "booked_by")
        .prefetch_related("held_blocks")
    )
    holding = {}  # (room id, block id) → reservation
    for reservation in bookings:
        for held in reservation.held_blocks.all():
            holding[reservation.room_id, held.block_id] = reservation
    rows = []
    for room in rooms:
        cells: list[SheetCell] = []
        for block in blocks:
            reservation = holding.get((room.pk, block.pk))
            previous = cells[-1] if cells else None
            if reservation is not None and previous is not None and previous.reservation is reservation:
                previous.blocks.append(block)
            else:
                cells.append(SheetCell(blocks=[block], reservation=reservation))
        rows.append(SheetRow(room=room, cells=cells))
    return blocks, rows


def entry_of(user, lottery):
    """A person's entry in a lottery, with its choices and what they won, or None."""
    from machi.facilities.models import LotteryEntry

    if user is None or not user.is_authenticated:
        return None
    return (
        LotteryEntry.objects.filter(lottery=lottery, applicant=user)
        .select_related("group")
        .prefetch_related("choices__room", "choices__blocks", "choices__won__held_blocks__block")
        .first()
    )


# --- Scope: facilities' own rules ------------------------------------------------------


def managed_centre_ids(user) -> set[int] | None:
    """Centres a person may manage: city admins all (None); ward staff their wards' centres; managers theirs."""
    from machi.facilities.models import Centre

    wards = staff_ward_ids(user)
    if wards is None:
        return None
    if not user or not user.is_authenticated:
        return set()
    return centre_manager_ids(user) | set(
        Centre.objects.filter(ward_id__in=wards).values_list("id", flat=True)
    )


@dataclass(frozen=True)
class GroupOverlap:
    """Two groups listing many of the same people: `shared` of the more-contained group's `size`."""

    first: object
    second: object
    shared: int
    size: int

    @property
    def ratio(self) -> float:
        return self.shared / self.size

    @property
    def percent(self) -> int:
        return round(self.ratio * 100)


def overlapping_groups(ward_or_groups, threshold: float = 0.5) -> list[GroupOverlap]:
    """Pairs of groups whose member lists overlap heavily (one real group registered twice), highest first.

    Give a ward (its groups not declined) or the groups themselves. A person on two lists is
    the same person when the linked accounts are, or when the names are once normalised
    (`name_key`: NFKC, without spaces); the representative counts as a member. The ratio is
    the larger of the two shares (members of A found on B's list over A's size, and B's), so a
    small group listed wholly inside a large one is flagged too.
    """
    from machi.accounts.models import CommunityGroup
    from machi.ledger.models import Ward

    if isinstance(ward_or_groups, Ward):
        groups = CommunityGroup.objects.filter(ward=ward_or_groups).exclude(status="declined")
    else:
        groups = CommunityGroup.objects.filter(pk__in=[group.pk for group in ward_or_groups])
    groups = list(groups.select_related("representative").prefetch_related("members").order_by("pk"))

    people = {group.pk: _people_of(group) for group in groups}
    listed_in: dict[tuple, set[int]] = defaultdict(set)
    for group_id, persons in people.items():
        for person in persons:
            for key in person:
                listed_in[key].add(group_id)
    # found[a][b]: how many people on a's list are on b's too
    found: dict[int, Counter] = {group_id: Counter() for group_id in people}
    for group_id, persons in people.items():
        for person in persons:
            others = set().union(*(listed_in[key] for key in person)) - {group_id}
            found[group_id].update(others)

    by_id = {group.pk: group for group in groups}
    overlaps = []
    for first_id, counts in found.items():
        for second_id in counts:
            if second_id < first_id:
                continue
            shares = [
                (found[first_id][second_id], len(people[first_id])),
                (found[second_id][first_id], len(people[second_id])),
            ]
            shared, size = max(shares, key=lambda share: (share[0] / share[1], share[0]))
            if shared / size >= threshold:
                overlaps.append(GroupOverlap(by_id[first_id], by_id[second_id], shared, size))
    return sorted(overlaps, key=lambda o: (-o.ratio, -o.shared, o.first.pk, o.second.pk))


def _people_of(group) -> list[frozenset]:
    """The distinct people on a group's list, each as the keys it is known by (account, name)."""
    from machi.core.text import name_key

    listed = [(member.user_id, member.name) for member in group.members.all()]
    representative = group.representative
    listed.append((representative.pk, representative.display_name or representative.get_full_name()))
    people: list[set] = []
    for user_id, name in listed:
        keys = {("user", user_id)} if user_id else set()
        if key := name_key(name):
            keys.add(("name", key))
        same = [person for person in people if person & keys]
        for person in same:
            people.remove(person)
            keys |= person
        if keys:
            people.append(keys)
    return [frozenset(person) for person in people]


# --- A centre's schedule: which months go by lottery, when each opens ------------------------------

SCHEDULE_MONTHS = 7  # this month and the six after it


@dataclass(frozen=True)
class MonthSchedule:
    """One month of a centre's booking calendar: by lottery (with its timetable) or first-come (with its opening)."""

    month: datetime.date
    lottery: object | None  # with `entry_count`
    opens_at: (
        datetime.datetime
    )  # first-come for everyone, by the centre's rule (the lottery's leftovers after)
    resident_opens_at: datetime.datetime
    bookings: int  # active bookings already in the month
    refusal: str | None  # why the month cannot be put to lottery now, or None


def centre_schedule(centre, *, now=None, months: int = SCHEDULE_MONTHS) -> list[MonthSchedule]:
    """The coming months of a centre, each by lottery or first-come. Two queries whatever the months."""
    from django.db.models import Count
    from django.utils.translation import gettext as _

    from machi.core import dates
    from machi.facilities.models import Lottery, Reservation

    now = now or timezone.now()
    first = timezone.localdate(now).replace(day=1)
    firsts = [add_months(first, n) for n in range(months)]
    lotteries = {
        lottery.month: lottery
        for lottery in Lottery.objects.filter(centre=centre, month__in=firsts).annotate(
            entry_count=Count("entries")
        )
    }
    booked = Counter(
        day.replace(day=1)
        for day in Reservation.objects.active()
        .filter(room__centre=centre, date__gte=first, date__lt=add_months(first, months))
        .order_by()
        .values_list("date", flat=True)
    )
    rows = []
    for month in firsts:
        lottery = lotteries.get(month)
        resident_opens_at = booking_opens_at(centre, month, resident=True)
        refusal = None
        if lottery is not None:
            refusal = _("この月はすでに抽選です")
        elif resident_opens_at <= now:
            refusal = _("先着順の受付が%(opens)sに始まっています（予約 %(count)d件）") % {
                "opens": dates.moment(resident_opens_at),
                "count": booked[month],
            }
        rows.append(
            MonthSchedule(
                month=month,
                lottery=lottery,
                opens_at=booking_opens_at(centre, month, resident=False, lottery=lottery),
                resident_opens_at=booking_opens_at(centre, month, resident=True, lottery=lottery),
                bookings=booked[month],
                refusal=refusal,
            )
        )
    return rows
