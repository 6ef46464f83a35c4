"""Usage statistics of centres: what the reservation system's ledger project reports as its outcomes.

Definitions (the public ledger page shows them in the labels):

- A **booking** (予約件数) is a reservation for a day in the period that held its room:
  status 確定 (confirmed, lottery wins included once confirmed) or 無断不使用 (a no-show:
  the room was held, so no one else could use it). Pending, won-but-unconfirmed,
  declined, cancelled and lapsed reservations are not bookings.
- An **online booking** is a booking the holder made themself (not entered on their
  behalf at the counter or by phone): the share the pilot moves off paper.
- **Hours booked** (利用時間) add up the blocks those bookings held (午前 3 h, 午後 4 h …).
- **Utilisation** (稼働率) of a room = booked block-hours on open days ÷ the block-hours
  the room could be booked on open days, as a percentage. Open days exclude the centre's
  closed weekdays, 年末年始, holidays where the centre closes on them, and ad-hoc
  closures — the same rules as booking (`queries.closure_reason`).

A period is a month or a fiscal year (April to March). Bookings already confirmed for
days still ahead count: re-posting a period part-way replaces the figures with the
running totals.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from machi.core.fiscal import fiscal_year_bounds
from machi.facilities.queries import add_months, closure_reason

SOURCE = "facilities"
CENT = Decimal("0.01")


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, add_months(first, 1) - datetime.timedelta(days=1)


def period_bounds(
    fiscal_year: int, month: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The fiscal year April–March, or one month of it (a month outside the year is refused)."""
    start, end = fiscal_year_bounds(fiscal_year)
    if month is None:
        return start, end
    if not start <= month <= end:
        raise ValueError(
            f"{month:%Y年%-m月}は{fiscal_year}年度（{start:%Y年%-m月}〜{end:%Y年%-m月}）の月ではありません"
        )
    return month_bounds(month)


def _hours(block) -> Decimal:
    return _span_hours(block.starts_at, block.ends_at)


def _span_hours(starts_at: datetime.time, ends_at: datetime.time) -> Decimal:
    start = datetime.datetime.combine(datetime.date.min, starts_at)
    end = datetime.datetime.combine(datetime.date.min, ends_at)
    return Decimal(int((end - start).total_seconds()) // 60) / 60


@dataclass(frozen=True)
class RoomUsage:
    room: object
    bookings: int
    online_bookings: int
    hours_booked: Decimal
    booked_open_hours: Decimal  # booked block-hours on open days: the utilisation's numerator
    open_hours: Decimal  # block-hours the room could be booked on open days

    @property
    def utilisation(self) -> Decimal | None:
        """Percent, to 0.01; None when the room had no open day in the period."""
        if not self.open_hours:
            return None
        return (self.booked_open_hours * 100 / self.open_hours).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    start: datetime.date
    end: datetime.date
    rooms: list[RoomUsage]

    @property
    def bookings(self) -> int:
        return sum(r.bookings for r in self.rooms)

    @property
    def online_bookings(self) -> int:
        return sum(r.online_bookings for r in self.rooms)

    @property
    def hours_booked(self) -> Decimal:
        return sum((r.hours_booked for r in self.rooms), Decimal(0))

    @property
    def utilisation(self) -> Decimal | None:
        open_hours = sum((r.open_hours for r in self.rooms), Decimal(0))
        if not open_hours:
            return None
        booked = sum((r.booked_open_hours for r in self.rooms), Decimal(0))
        return (booked * 100 / open_hours).quantize(CENT, ROUND_HALF_UP)


def counted_statuses():
    from machi.facilities.models import Reservation

    return (Reservation.Status.CONFIRMED, Reservation.Status.NO_SHOW)


def usage(centres, start: datetime.date, end: datetime.date) -> Usage:
    """Each room of these centres over start–end (inclusive). Four queries whatever the period."""
    from machi.facilities.models import ClosedDay, Reservation, ReservationBlock, Room, TimeBlock

    centres = list(centres)
    centre_ids = [c.pk for c in centres]
    rooms = list(
        Room.objects.filter(centre__in=centre_ids)
        .select_related("centre")
        .order_by("centre__ward__code", "centre__name_kana", "centre__name", "position", "pk")
    )
    blocks_of = defaultdict(list)
    for block in TimeBlock.objects.filter(centre__in=centre_ids):
        blocks_of[block.centre_id].append(block)
    closures = defaultdict(dict)
    for closure in ClosedDay.objects.filter(centre__in=centre_ids, date__range=(start, end)):
        closures[closure.centre_id][closure.date] = closure.reason

    open_days = {}
    for centre in centres:
        days, day = set(), start
        while day <= end:
            if closure_reason(centre, day, closures[centre.pk]) is None:
                days.add(day)
            day += datetime.timedelta(days=1)
        open_days[centre.pk] = days

    counted = counted_statuses()
    bookings = defaultdict(int)
    online = defaultdict(int)
    for room_id, on_behalf in Reservation.objects.filter(
        room__centre__in=centre_ids, date__range=(start, end), status__in=counted
    ).values_list("room_id", "on_behalf"):
        bookings[room_id] += 1
        online[room_id] += not on_behalf

    block_hours = {b.pk: _hours(b) for blocks in blocks_of.values() for b in blocks}
    hours = defaultdict(Decimal)
    open_booked = defaultdict(Decimal)
    held = ReservationBlock.objects.filter(
        room__centre__in=centre_ids, date__range=(start, end), reservation__status__in=counted
    ).values_list("room_id", "room__centre_id", "date", "starts_at", "ends_at")
    for room_id, centre_id, day, starts_at, ends_at in held:
        held_hours = _span_hours(starts_at, ends_at)  # the times booked, even if the block changed since
        hours[room_id] += held_hours
        if day in open_days[centre_id]:
            open_booked[room_id] += held_hours

    result = []
    for room in rooms:
        day_hours = sum((block_hours[b.pk] for b in blocks_of[room.centre_id]), Decimal(0))
        result.append(
            RoomUsage(
                room=room,
                bookings=bookings[room.pk],
                online_bookings=online[room.pk],
                hours_booked=hours[room.pk],
                booked_open_hours=open_booked[room.pk],
                open_hours=day_hours * len(open_days[room.centre_id]),
            )
        )
    return Usage(start=start, end=end, rooms=result)


def outcome_figures(found: Usage) -> list:
    """The figures a project's usage posts to the ledger: totals first, then each room's."""
    figures = [
        _figure("bookings", "予約件数（確定・無断不使用）", found.bookings, "件"),
        _figure("online-bookings", "うちオンラインで本人が予約した件数", found.online_bookings, "件"),
        _figure("hours-booked", "予約された利用時間", found.hours_booked, "時間"),
    ]
    if found.utilisation is not None:
        figures.append(
            _figure("utilisation", "稼働率（開館日の利用区分のうち予約された割合）", found.utilisation, "%")
        )
    for usage_of in found.rooms:
        room = usage_of.room
        where = f"{room.centre.name} {room.name}"[:180]
        slug = f"room-{room.pk}__"
        figures += [
            _figure(f"{slug}bookings", f"{where} 予約件数", usage_of.bookings, "件"),
            _figure(f"{slug}hours-booked", f"{where} 利用時間", usage_of.hours_booked, "時間"),
        ]
        if usage_of.utilisation is not None:
            figures.append(_figure(f"{slug}utilisation", f"{where} 稼働率", usage_of.utilisation, "%"))
    return figures


def _figure(metric: str, label: str, value, unit: str):
    """Every value to the outcome's two places, so an unchanged figure re-posts equal (5.00, not 5)."""
    from machi.ledger.actions import OutcomeFigure

    return OutcomeFigure(metric, label, Decimal(value).quantize(CENT), unit)
