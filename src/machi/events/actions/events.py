"""An event's life as its ward runs it: create or propose a draft with its sessions and questions, edit it,
publish it, approve or decline a group's proposal, cancel it.

Ward staff create and publish their wards' events. The representative or a member of an approved
community group proposes an event for a project of its ward: it waits for the ward's staff
(承認待ち), who approve it (it is published) or decline it with a reason (it goes back to a draft the
group may change and send again, the reason kept for them to read).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.scope import NotAllowed, can_manage_ward, is_member, require_ward
from machi.audit.actions import record
from machi.events import emails
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.lottery import seed_lottery
from machi.events.actions.venue import hold_venue, release_venue
from machi.events.models import Event, EventQuestion, EventSession, Registration

MAX_QUESTIONS = 10
MAX_CHOICES = 30


@dataclass(frozen=True)
class QuestionInput:
    """A question of the event's own as typed: text, its form (記述 / 選択), choices one a line, required."""

    text: str
    kind: str = EventQuestion.Kind.TEXT
    choices: str = ""
    required: bool = False


@dataclass
class EventCancellation:
    """What cancelling an event did: the registrations it cancelled, and the callers staff must phone."""

    event: Event
    cancelled: list[Registration] = field(default_factory=list)
    mailed: int = 0
    to_call: list[Registration] = field(default_factory=list)


# --- Creating and editing ---------------------------------------------------------------------


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
    questions=(),
    **fields,
) -> Event:
    """A draft event of a ledger project, in the project's ward, with its sessions in order."""
    project_ward = _project_ward(project, ward)
    require_ward(actor, project_ward, pgettext("scope", "催し"))
    group = fields.get("organiser_group")
    if group is not None and (group.ward_id != project_ward.pk or group.status != "approved"):
        raise EventRefused(
            _("主催団体は%(ward)sの承認済みの団体から選んでください") % {"ward": project_ward.name},
            code="events.organiser",
        )
    return _save_new(
        actor=actor,
        project=project,
        ward=project_ward,
        status=Event.Status.DRAFT,
        values={
            "kind": kind,
            "title": title,
            "title_kana": title_kana,
            "capacity_seats": capacity_seats,
            "registration_opens_at": registration_opens_at,
            "registration_closes_at": registration_closes_at,
            "cancel_until": cancel_until,
            **fields,
        },
        sessions=sessions,
        questions=questions,
        action="events.create",
    )


def propose_event(*, actor, group, project, sessions, questions=(), **values) -> Event:
    """A community group's event, waiting for its ward's staff to approve it (承認待ち).

    Only the representative or a listed member of an approved group proposes, and only for a project
    of the group's own ward.
    """
    if not is_member(actor, group):
        raise NotAllowed(_("この団体の催しを提案する権限がありません"), code="events.not_member")
    if group.status != "approved":
        raise EventRefused(_("承認された団体だけが催しを提案できます"), code="events.group_not_approved")
    project_ward = _project_ward(project, None)
    if group.ward_id != project_ward.pk:
        raise EventRefused(
            _("団体と同じ区（%(ward)s）の事業を選んでください") % {"ward": group.ward.name},
            code="events.ward_mismatch",
        )
    values.pop("organiser_group", None)
    return _save_new(
        actor=actor,
        project=project,
        ward=project_ward,
        status=Event.Status.PENDING_APPROVAL,
        values={**values, "organiser_group": group},
        sessions=sessions,
        questions=questions,
        action="events.propose",
    )


def update_event(*, actor, event: Event, sessions, questions=(), **values) -> Event:
    """Change a draft: its fields, and its sessions and questions (replaced as a whole; a draft has no
    registrations). Staff of its ward, or the organising group's members (their declined proposal)."""
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("ward").get(pk=event.pk)
        require_event_editor(actor, event)
        if event.status != Event.Status.DRAFT:
            raise EventConflict(
                _("「%(title)s」は%(status)sのため変更できません")
                % {"title": event.title, "status": event.get_status_display()},
                code="events.not_draft",
            )
        before = _snapshot(event, [(s.starts_at, s.ends_at) for s in event.sessions.all()])
        project = values.pop("project", None) or event.project
        if project.pk != event.project_id:
            ward = _project_ward(project, event.ward)
            event.project = project
            event.ward = ward
        group = values.get("organiser_group", event.organiser_group)
        if values.get("organiser_group") is not None and (
            group.ward_id != event.ward_id or group.status != "approved"
        ):
            raise EventRefused(
                _("主催団体は%(ward)sの承認済みの団体から選んでください") % {"ward": event.ward.name},
                code="events.organiser",
            )
        if event.organiser_group_id and not can_manage_ward(actor, event.ward_id):
            values.pop("organiser_group", None)  # a group cannot hand its event to another
        for name, value in values.items():
            setattr(event, name, value.strip() if isinstance(value, str) else value)
        ordered, question_rows = _validated(event, sessions, questions)
        event.save()
        event.sessions.all().delete()
        event.questions.all().delete()
        _save_children(event, ordered, question_rows)
        record(actor=actor, action="events.update", obj=event, before=before, after=_snapshot(event, ordered))
    return event


def require_event_editor(actor, event: Event) -> None:
    """Staff of the event's ward, or a member of the group that organises it."""
    if isinstance(actor, SystemActor) or (actor is not None and can_manage_ward(actor, event.ward_id)):
        return
    if event.organiser_group_id and is_member(actor, event.organiser_group):
        return
    raise NotAllowed(_("この催しを変更する権限がありません"), code="events.not_editor")


def _project_ward(project, ward):
    project_ward = project.programme.ward
    if ward is not None and ward.pk != project_ward.pk:
        raise EventRefused(
            _("事業「%(project)s」は%(ward)sの事業です。催しの区も%(ward)sにしてください")
            % {"project": project.name, "ward": project_ward.name},
            code="events.ward_mismatch",
        )
    return project_ward


def _save_new(*, actor, project, ward, status, values, sessions, questions, action) -> Event:
    values = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    event = Event(project=project, ward=ward, status=status, created_by=actor_user(actor), **values)
    ordered, question_rows = _validated(event, sessions, questions)
    with transaction.atomic():
        event.save()
        _save_children(event, ordered, question_rows)
        record(actor=actor, action=action, obj=event, before=None, after=_snapshot(event, ordered))
    return event


def _validated(event: Event, sessions, questions) -> tuple[list, list[EventQuestion]]:
    """The rules an event keeps, in words, before anything is written: the sessions in order, the
    registration window before the first session, seats, the party limit and the questions."""
    if not sessions:
        raise EventRefused(_("開催日時を1つ以上入力してください"), code="events.no_session")
    for starts_at, ends_at in sessions:
        if ends_at <= starts_at:
            raise EventRefused(_("終了時刻は開始時刻より後にしてください"), code="events.session_order")
    first_start = min(starts_at for starts_at, _end in sessions)
    if event.capacity_seats is None or event.capacity_seats < 1:
        raise EventRefused(_("定員は1人以上にしてください"), code="events.capacity")
    if event.registration_closes_at <= event.registration_opens_at:
        raise EventRefused(_("申込締切は申込開始より後にしてください"), code="events.window")
    if event.registration_closes_at > first_start:
        raise EventRefused(_("申込締切は最初の開催日時より前にしてください"), code="events.window")
    if event.cancel_until > first_start:
        raise EventRefused(_("取消の期限は最初の開催日時より前にしてください"), code="events.window")
    if event.max_party is None or not 1 <= event.max_party <= event.capacity_seats:
        raise EventRefused(
            _("1件で申し込める人数は1人から定員（%(capacity)s人）までにしてください")
            % {"capacity": event.capacity_seats},
            code="events.max_party",
        )
    if event.min_age is not None and event.max_age is not None and event.min_age > event.max_age:
        raise EventRefused(_("対象年齢の下限は上限以下にしてください"), code="events.ages")
    if event.venue_room_id and event.venue_room.centre.ward_id != event.ward_id:
        raise EventRefused(
            _("会場の部屋は%(ward)sのセンターから選んでください") % {"ward": event.ward.name},
            code="events.venue",
        )
    try:
        event.full_clean(exclude=["project", "ward", "organiser_group", "venue_room"])
    except ValidationError as error:
        raise EventRefused(" ".join(error.messages), code="events.invalid") from None
    return sorted(sessions), _question_rows(questions)


def _question_rows(questions) -> list[EventQuestion]:
    questions = list(questions)
    if len(questions) > MAX_QUESTIONS:
        raise EventRefused(
            _("申込時の質問は%(max)s個までです") % {"max": MAX_QUESTIONS}, code="events.questions"
        )
    rows = []
    for position, question in enumerate(questions, start=1):
        text = question.text.strip()
        if not text:
            raise EventRefused(_("質問の文を入力してください"), code="events.questions")
        row = EventQuestion(
            position=position,
            text=text,
            kind=question.kind,
            choices="\n".join(line.strip() for line in question.choices.splitlines() if line.strip()),
            required=question.required,
        )
        if row.kind == EventQuestion.Kind.CHOICE and not 2 <= len(row.choice_list) <= MAX_CHOICES:
            raise EventRefused(
                _(
                    "選択式の質問「%(text)s」には選択肢を2つ以上（%(max)s個まで）、1行に1つずつ入力してください"
                )
                % {"text": text, "max": MAX_CHOICES},
                code="events.questions",
            )
        if row.kind == EventQuestion.Kind.TEXT:
            row.choices = ""
        rows.append(row)
    return rows


def _save_children(event: Event, ordered, question_rows) -> None:
    EventSession.objects.bulk_create(
        EventSession(event=event, starts_at=starts_at, ends_at=ends_at, position=n)
        for n, (starts_at, ends_at) in enumerate(ordered, start=1)
    )
    for question in question_rows:
        question.event = event
    EventQuestion.objects.bulk_create(question_rows)


# --- Publishing, approval ---------------------------------------------------------------------


def publish_event(*, actor, event: Event) -> Event:
    """Make a draft public: registration opens at its time; an event in a Machi room holds its blocks."""
    return _move(
        actor=actor,
        event=event,
        require=_require_staff,
        expected=Event.Status.DRAFT,
        status=Event.Status.PUBLISHED,
        refusal=_("「%(title)s」は%(status)sのため公開できません"),
        action="events.publish",
    )


def submit_event(*, actor, event: Event) -> Event:
    """A group sends its draft (a declined proposal, changed) to its ward's staff again: 承認待ち."""
    return _move(
        actor=actor,
        event=event,
        require=_require_organiser,
        expected=Event.Status.DRAFT,
        status=Event.Status.PENDING_APPROVAL,
        refusal=_("「%(title)s」は%(status)sのため提案できません"),
        action="events.propose",
    )


def approve_event(*, actor, event: Event, now: datetime.datetime | None = None) -> Event:
    """Ward staff approve a group's proposed event: it is published, and the group is told."""
    event = _move(
        actor=actor,
        event=event,
        require=_require_staff,
        expected=Event.Status.PENDING_APPROVAL,
        status=Event.Status.PUBLISHED,
        refusal=_("「%(title)s」は%(status)sのため承認できません"),
        action="events.approve",
        changes={
            "approved_by": actor_user(actor),
            "approved_at": now or timezone.now(),
            "decline_reason": "",
        },
    )
    emails.send_proposal_decided(event)
    return event


def decline_event(*, actor, event: Event, reason: str) -> Event:
    """Ward staff decline a group's proposed event with a reason: it goes back to the group as a draft,
    and the group is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise EventRefused(_("承認しない理由を入力してください"), code="events.reason")
    event = _move(
        actor=actor,
        event=event,
        require=_require_staff,
        expected=Event.Status.PENDING_APPROVAL,
        status=Event.Status.DRAFT,
        refusal=_("「%(title)s」は%(status)sのため差し戻せません"),
        action="events.decline",
        changes={"decline_reason": reason},
    )
    emails.send_proposal_decided(event)
    return event


def _move(
    *, actor, event: Event, require, expected, status, refusal: str, action: str, changes=None
) -> Event:
    """One step of an event's life: lock it, check who acts and that it stands at `expected`, move it to
    `status` with `changes`, audit it."""
    changes = changes or {}
    with transaction.atomic():
        event = _locked(event)
        require(actor, event)
        if event.status != expected:
            raise EventConflict(
                refusal % {"title": event.title, "status": event.get_status_display()}, code="events.status"
            )
        event.status = status
        for name, value in changes.items():
            setattr(event, name, value)
        event.save(update_fields=["status", *changes])
        if status == Event.Status.PUBLISHED:
            seed_lottery(event)  # a lottery event's seed is drawn as it goes public; its digest is shown
            hold_venue(actor=actor, event=event)  # a Machi room's blocks, through the booking guarantee
        audited = {name: value for name, value in changes.items() if isinstance(value, str)}
        record(
            actor=actor,
            action=action,
            obj=event,
            before={"status": expected},
            after={"status": status, **audited},
        )
    return event


def _require_staff(actor, event: Event) -> None:
    require_ward(actor, event.ward, pgettext("scope", "催し"))


def _require_organiser(actor, event: Event) -> None:
    if not event.organiser_group_id or not is_member(actor, event.organiser_group):
        raise NotAllowed(_("この催しを提案する権限がありません"), code="events.not_member")


# --- Cancelling -------------------------------------------------------------------------------


def cancel_event(
    *, actor, event: Event, reason: str, now: datetime.datetime | None = None
) -> EventCancellation:
    """Cancel an event (中止): every active registration is cancelled, its seats freed; each registered
    person with an address is mailed after commit; callers registered by phone are listed for staff to call."""
    reason = (reason or "").strip()
    if not reason:
        raise EventRefused(_("中止の理由を入力してください"), code="events.reason")
    now = now or timezone.now()
    with transaction.atomic():
        event = _locked(event)
        _require_staff(actor, event)
        if event.status in (Event.Status.CANCELLED, Event.Status.HELD):
            raise EventConflict(
                _("「%(title)s」は%(status)sのため中止できません")
                % {"title": event.title, "status": event.get_status_display()},
                code="events.not_cancellable",
            )
        before = {"status": event.status, "seats_taken": event.seats_taken}
        active = list(
            Registration.objects.select_for_update(of=("self",))
            .filter(event=event, status__in=Registration.ACTIVE)
            .select_related("person")
            .order_by("created_at", "id")
        )
        Registration.objects.filter(pk__in=[r.pk for r in active]).update(
            status=Registration.Status.CANCELLED, cancelled_at=now
        )
        event.status = Event.Status.CANCELLED
        event.cancelled_at = now
        event.cancel_reason = reason
        event.seats_taken = 0
        event.save(update_fields=["status", "cancelled_at", "cancel_reason", "seats_taken"])
        release_venue(actor=actor, event=event, reason=reason)  # the room is free to book again
        result = EventCancellation(event=event)
        for registration in active:
            registration.status = Registration.Status.CANCELLED
            registration.cancelled_at = now
            registration.event = event
            result.cancelled.append(registration)
            if emails.send_event_cancelled(registration):
                result.mailed += 1
            else:
                result.to_call.append(registration)
        record(
            actor=actor,
            action="events.cancel_event",
            obj=event,
            before=before,
            after={
                "status": event.status,
                "cancel_reason": reason,
                "cancelled_registrations": [r.code for r in active],
            },
        )
    return result


def _locked(event: Event) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("ward", "organiser_group")
        .get(pk=event.pk)
    )


def _snapshot(event: Event, sessions) -> dict:
    return {
        "project": event.project_id,
        "ward": event.ward_id,
        "kind": event.kind,
        "title": event.title,
        "capacity_seats": event.capacity_seats,
        "max_party": event.max_party,
        "status": event.status,
        "organiser_group": event.organiser_group_id,
        "registration_opens_at": event.registration_opens_at.isoformat(),
        "registration_closes_at": event.registration_closes_at.isoformat(),
        "cancel_until": event.cancel_until.isoformat(),
        "sessions": [[s.isoformat(), e.isoformat()] for s, e in sessions],
    }
