"""The events' lottery: the seed drawn at publishing, entries, the draw after registration closes, verification.

An event whose places are drawn (allocation = lottery) takes entries while registration is open
(`register` makes them ENTERED; they hold no seat). Its seed is drawn when it is published
(`seed_lottery`, called by `publish_event`; an event published without one gets it at its first
entry) and only the seed's SHA-256 digest is shown until registration closes. After that, ward
staff (or `machi events draw`) run `draw`: the pure draw in `machi.events.draw` orders the entries
by tier and seed, whole parties win while seats fit, and the others wait in the drawn order, so the
waiting list's first in, first out keeps it. Anyone can re-run it (`verify_draw`).
"""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.core import dates
from machi.core.draws import Verification, new_seed, plain, seed_digest
from machi.core.fiscal import fiscal_year_of
from machi.events import emails
from machi.events.actions.errors import EventConflict
from machi.events.draw import WON, run_draw
from machi.events.models import Event, Registration
from machi.events.queries import attended_this_year, phone_key


def seed_lottery(event: Event) -> None:
    """Draw a lottery event's secret seed once (a first-come event, or one that has its seed, is left alone)."""
    if event.allocation != Event.Allocation.LOTTERY or event.lottery_seed:
        return
    event.lottery_seed = new_seed()
    event.lottery_seed_digest = seed_digest(event.lottery_seed)
    Event.objects.filter(pk=event.pk).update(
        lottery_seed=event.lottery_seed, lottery_seed_digest=event.lottery_seed_digest
    )


def published_seed(event: Event, now: datetime.datetime | None = None) -> str | None:
    """The seed, once registration has closed; None before (only its digest is public then)."""
    now = now or timezone.now()
    return event.lottery_seed if event.lottery_seed and now >= event.registration_closes_at else None


def can_draw(event: Event, now: datetime.datetime | None = None) -> bool:
    return (
        event.allocation == Event.Allocation.LOTTERY
        and event.lottery_drawn_at is None
        and event.status in (Event.Status.PUBLISHED, Event.Status.CLOSED)
        and (now or timezone.now()) >= event.registration_closes_at
    )


def tier_of(registration: Registration, event: Event, attended: tuple[set[int], set[str]]) -> int:
    """1: a verified resident of the event's ward; 2: not checked in at the project's events this fiscal
    year; 3: the rest. A caller registered by phone is known by their phone number."""
    person = registration.person
    if person is not None and person.verified_resident_of(event.ward_id):
        return 1
    people, phones = attended
    if person is not None:
        return 3 if person.pk in people else 2
    return 3 if phone_key(registration.caller_phone) in phones else 2


def draw(*, actor, event: Event, now: datetime.datetime | None = None) -> dict:
    """Draw the places of a lottery event whose registration has closed; returns the kept log.

    Winners are confirmed (their seats taken), the others wait in the drawn order (or, where the
    event keeps no waiting list, are cancelled); each entry keeps its tier and drawn position.
    Everyone with an address is mailed after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("ward").get(pk=event.pk)
        require_ward(actor, event.ward, pgettext("scope", "抽選"))
        if event.allocation != Event.Allocation.LOTTERY:
            raise EventConflict(_("この催しは抽選ではありません"), code="events.not_lottery")
        if event.lottery_drawn_at is not None:
            raise EventConflict(
                _("この催しの抽選は%(at)sに実施済みです") % {"at": dates.moment(event.lottery_drawn_at)},
                code="events.already_drawn",
            )
        if event.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
            raise EventConflict(
                _("%(status)sの催しは抽選できません") % {"status": event.get_status_display()},
                code="events.not_drawable",
            )
        if now < event.registration_closes_at:
            raise EventConflict(
                _("抽選は申込締切（%(at)s）の後に実施できます")
                % {"at": dates.moment(event.registration_closes_at)},
                code="events.too_early",
            )
        seed_lottery(event)
        entries = list(
            event.registrations.select_for_update(of=("self",))
            .filter(status=Registration.Status.ENTERED)
            .select_related("person")
            .order_by("id")
        )
        attended = attended_this_year(event.project, fiscal_year_of(now))
        by_id = {entry.pk: entry for entry in entries}
        recorded = [
            {"entry": e.pk, "party": e.party_size, "tier": tier_of(e, event, attended)} for e in entries
        ]
        log = run_draw(seed=event.lottery_seed, seats=event.seats_left, entries=recorded)
        log["drawn_at"] = now.isoformat()
        winners, losers = [], []
        for decision in log["decisions"]:
            entry = by_id[decision["entry"]]
            entry.lottery_tier, entry.drawn_position = decision["tier"], decision["position"]
            if decision["result"] == WON:
                entry.status = Registration.Status.CONFIRMED
                winners.append(entry)
            elif event.waitlist:
                entry.status = Registration.Status.WAITLISTED
                # One microsecond apart, in drawn order: the waiting list's first in, first out keeps it.
                entry.waitlisted_at = now + datetime.timedelta(microseconds=decision["position"])
                losers.append(entry)
            else:
                entry.status = Registration.Status.CANCELLED
                entry.cancelled_at = now
                losers.append(entry)
        Registration.objects.bulk_update(
            entries, ["status", "lottery_tier", "drawn_position", "waitlisted_at", "cancelled_at"]
        )
        seats = sum(entry.party_size for entry in winners)
        if seats:
            # Within capacity by the draw itself; the database's check stays the last word.
            Event.objects.filter(pk=event.pk).update(seats_taken=F("seats_taken") + seats)
        event.lottery_drawn_at, event.lottery_log = now, log
        event.save(update_fields=["lottery_drawn_at", "lottery_log"])
        record(
            actor=actor,
            action="events.lottery_draw",
            obj=event,
            before={"lottery_drawn_at": None},
            after={
                "lottery_drawn_at": now.isoformat(),
                "entries": len(entries),
                "winners": len(winners),
                "seats": seats,
                "seed": event.lottery_seed,
            },
        )
        for entry in winners:
            entry.event = event
            emails.send_lottery_result(entry, won=True)
        for entry in losers:
            entry.event = event
            emails.send_lottery_result(entry, won=False)
    return log


def verify_draw(event: Event) -> Verification:
    """Re-run the draw from the published seed over the kept log; does it give the kept order and
    results, and do the registrations carry the tiers and positions the log says?"""
    if event.lottery_drawn_at is None or not event.lottery_log:
        return Verification(ok=False, problems=[_("まだ抽選していません")])
    log = event.lottery_log
    problems = []
    if seed_digest(event.lottery_seed) != event.lottery_seed_digest or log.get("seed") != event.lottery_seed:
        problems.append(_("乱数の種が、事前に公開したハッシュと一致しません"))
    rerun = run_draw(seed=event.lottery_seed, seats=log.get("seats", 0), entries=log.get("entries", []))
    if rerun["order"] != log.get("order"):
        problems.append(_("乱数の種から求めた順番が、記録と一致しません"))
    if plain(rerun["decisions"]) != plain(log.get("decisions")):
        problems.append(_("再計算した当落が、記録と一致しません"))
    kept = {d["entry"]: (d["tier"], d["position"], d["party"]) for d in plain(log.get("decisions", []))}
    stored = {
        pk: (tier, position, party)
        for pk, tier, position, party in event.registrations.filter(drawn_position__isnull=False).values_list(
            "pk", "lottery_tier", "drawn_position", "party_size"
        )
    }
    if kept != stored:
        problems.append(_("申込の順位と優先順位が、記録と一致しません"))
    return Verification(ok=not problems, problems=problems)
