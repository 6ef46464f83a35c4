"""An event's life as its ward runs it: create a draft with its sessions, publish it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import actor_user
from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.venue import hold_venue
from machi.events.models import Event, EventSession

# --- Events -----------------------------------------------------------------------------------


def create_event(
    *,
    actor,
    project,
    kind: str,
    title: str,
    title_kana: str,
    capacity_seats: int,
    registration_opens_at: datetime.datetime,
    registration_closes_at: datetime.datetime,
    cancel_until: datetime.datetime,
    sessions: list[tuple[datetime.datetime, datetime.datetime]],
    ward=None,
    **fields,
) -> Event:
    """A draft event of a ledger project, in the project's ward, with its sessions in order."""
    project_ward = project.programme.ward
    if ward is not None and ward.pk != project_ward.pk:
        raise EventRefused(
            _("事業「%(project)s」は%(ward)sの事業です。催しの区も%(ward)sにしてください")
            % {"project": project.name, "ward": project_ward.name},
            code="events.ward_mismatch",
        )
    require_ward(actor, project_ward, pgettext("scope", "催し"))
    if not sessions:
        raise EventRefused(_("開催日時を1つ以上入力してください"), code="events.no_session")
    for starts_at, ends_at in sessions:
        if ends_at <= starts_at:
            raise EventRefused(_("終了時刻は開始時刻より後にしてください"), code="events.session_order")
    first_start = min(starts_at for starts_at, _end in sessions)
    if capacity_seats is None or capacity_seats < 1:
        raise EventRefused(_("定員は1人以上にしてください"), code="events.capacity")
    if registration_closes_at <= registration_opens_at:
        raise EventRefused(_("申込締切は申込開始より後にしてください"), code="events.window")
    if registration_closes_at > first_start:
        raise EventRefused(_("申込締切は最初の開催日時より前にしてください"), code="events.window")
    if cancel_until > first_start:
        raise EventRefused(_("取消の期限は最初の開催日時より前にしてください"), code="events.window")
    max_party = fields.get("max_party", 1)
    if max_party is None or not 1 <= max_party <= capacity_seats:
        raise EventRefused(
            _("1件で申し込める人数は1人から定員（%(capacity)s人）までにしてください")
            % {"capacity": capacity_seats},
            code="events.max_party",
        )
    event = Event(
        project=project,
        ward=project_ward,
        kind=kind,
        title=title.strip(),
        title_kana=title_kana.strip(),
        capacity_seats=capacity_seats,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        cancel_until=cancel_until,
        created_by=actor_user(actor),
        **fields,
    )
    try:
        event.full_clean()
    except ValidationError as error:
        raise EventRefused(" ".join(error.messages), code="events.invalid") from None
    with transaction.atomic():
        event.save()
        ordered = sorted(sessions)
        EventSession.objects.bulk_create(
            EventSession(event=event, starts_at=starts_at, ends_at=ends_at, position=n)
            for n, (starts_at, ends_at) in enumerate(ordered, start=1)
        )
        record(actor=actor, action="events.create", obj=event, before=None, after=_snapshot(event, ordered))
    return event


def publish_event(*, actor, event: Event) -> Event:
    """Make a draft public: registration opens at its time; an event in a Machi room holds its blocks."""
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("ward").get(pk=event.pk)
        require_ward(actor, event.ward, pgettext("scope", "催し"))
        if event.status != Event.Status.DRAFT:
            raise EventConflict(
                _("「%(title)s」は%(status)sのため公開できません")
                % {"title": event.title, "status": event.get_status_display()},
                code="events.not_draft",
            )
        event.status = Event.Status.PUBLISHED
        event.save(update_fields=["status"])
        hold_venue(actor=actor, event=event)
        record(
            actor=actor,
            action="events.publish",
            obj=event,
            before={"status": Event.Status.DRAFT},
            after={"status": event.status},
        )
    return event


def _snapshot(event: Event, sessions) -> dict:
    return {
        "project": event.project_id,
        "ward": event.ward_id,
        "kind": event.kind,
        "title": event.title,
        "capacity_seats": event.capacity_seats,
        "max_party": event.max_party,
        "status": event.status,
        "registration_opens_at": event.registration_opens_at.isoformat(),
        "registration_closes_at": event.registration_closes_at.isoformat(),
        "cancel_until": event.cancel_until.isoformat(),
        "sessions": [[s.isoformat(), e.isoformat()] for s, e in sessions],
    }
