"""The events' JSON API: published events, registering a party, cancelling, one's own registrations.

Listing and reading events is public; registering, cancelling and "mine" need a personal token or
the web session (`machi.accounts.api_auth`). Every rule lives in `machi.events.actions`: seats for
the whole party → 201 confirmed, else 202 waiting; full without a waiting list, closed, already
registered → 409; a party the event does not take → 400. Public answers carry codes and counts,
never a person's name or phone.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Exists, Min, OuterRef
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from machi.accounts.idempotency import IdempotencyKey
from machi.accounts.idempotency import answer as idempotent_answer
from machi.accounts.scope import can_manage_ward
from machi.api_errors import AUTH_ERRORS, NO_CONTROL, ErrorOut, ValidationErrorOut
from machi.api_support import PUBLIC, BodyIn, bad_request, local_time, row_id, ward_filter
from machi.core.errors import NotFound
from machi.events import actions
from machi.events.models import Event, EventSession, Registration
from machi.events.queries import published_events, registrations_of
from machi.ledger.api import ward_in_query

router = Router(tags=["events"])

EventId = row_id("催しの id")
# Dates the listing accepts (a bound that keeps a typo like year 0183 or a timestamp `0` a 400).
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2199, 12, 31)
PAGE_SIZE, MAX_PAGE_SIZE, MAX_OFFSET = 100, 500, 10**9


class EventPages(LimitOffsetPagination):
    """limit/offset pages with bounds, so a huge number is a 400, never a database error."""

    class Input(Schema):
        limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="1ページの件数")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="先頭から飛ばす件数")


RegistrationId = row_id("参加申込の id")


class SessionOut(Schema):
    position: int = Field(description="第何回か")
    starts_at: dt.datetime
    ends_at: dt.datetime

    @staticmethod
    def resolve_starts_at(obj):
        return local_time(obj.starts_at)

    @staticmethod
    def resolve_ends_at(obj):
        return local_time(obj.ends_at)


class QuestionOut(Schema):
    id: int
    text: str
    kind: str = Field(description="text（記述）か choice（選択）")
    choices: list[str] = Field(description="選択式の選択肢")
    required: bool

    @staticmethod
    def resolve_choices(obj):
        return obj.choice_list


class EventOut(Schema):
    id: int
    ward: str
    ward_code: str
    project: int = Field(description="台帳の事業の id")
    kind: str = Field(
        description="種類のコード（course, lecture, training, workshop, drill, festival, consultation, other）"
    )
    kind_label: str = Field(description="種類（講座、講演会 …）")
    title: str
    title_kana: str
    title_en: str
    description: str
    organiser: str | None = Field(description="主催団体の名前。null は区役所の主催")
    contact: str = Field(description="問い合わせ先")
    venue_room: int | None = Field(description="会場が地域コミュニティセンターの部屋ならその id")
    venue_name: str
    venue_address: str
    latitude: float | None
    longitude: float | None
    capacity_seats: int = Field(description="定員（席）")
    seats_left: int = Field(description="残りの席数")
    max_party: int = Field(description="1件で申し込める人数")
    waitlist: bool = Field(description="満席のときキャンセル待ちとして受け付ける")
    fee_yen: int | None = Field(description="参加費（円）。null は無料")
    who_may_come: str = Field(description="anyone（どなたでも）か ward_residents（区内にお住まいの方）")
    accessibility: str = Field(description="配慮（段差・手話通訳・託児）")
    allocation: str = Field(description="first_come（先着順）か lottery（抽選）")
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    cancel_until: dt.datetime
    status: str = Field(description="published（受付中）、closed（受付終了）、held（開催済み）")
    sessions: list[SessionOut]
    questions: list[QuestionOut] = Field(description="申込のときに答える催しの質問（answers の id）")

    @staticmethod
    def resolve_ward(obj):
        return obj.ward.name

    @staticmethod
    def resolve_ward_code(obj):
        return obj.ward.code

    @staticmethod
    def resolve_project(obj):
        return obj.project_id

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser_group.name if obj.organiser_group_id else None

    @staticmethod
    def resolve_venue_room(obj):
        return obj.venue_room_id

    @staticmethod
    def resolve_latitude(obj):
        return float(obj.latitude) if obj.latitude is not None else None

    @staticmethod
    def resolve_longitude(obj):
        return float(obj.longitude) if obj.longitude is not None else None

    @staticmethod
    def resolve_registration_opens_at(obj):
        return local_time(obj.registration_opens_at)

    @staticmethod
    def resolve_registration_closes_at(obj):
        return local_time(obj.registration_closes_at)

    @staticmethod
    def resolve_cancel_until(obj):
        return local_time(obj.cancel_until)

    @staticmethod
    def resolve_sessions(obj):
        return list(obj.sessions.all())

    @staticmethod
    def resolve_questions(obj):
        return list(obj.questions.all())


class CallerIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_CONTROL)]
    kana: Annotated[str, Field(max_length=100, pattern=NO_CONTROL)] = ""
    phone: Annotated[str, Field(min_length=1, max_length=30, pattern=NO_CONTROL)]


class RegistrationIn(BodyIn):
    party_size: Annotated[int, Field(ge=1, le=100, description="人数（1人から催しの上限まで）")] = 1
    caller: CallerIn | None = Field(
        default=None, description="区職員が電話や窓口で受けた申込：申し込む方の氏名・かな・電話番号"
    )
    answers: dict[Annotated[str, Field(max_length=20)], Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=dict,
        description="催しの質問への回答：{質問の id: 回答}。選択式は選択肢の文をそのまま。必須の質問が空なら 400",
    )


class RegistrationOut(Schema):
    id: int
    event: int
    code: str = Field(description="受付番号（読み上げやすい英数字）")
    party_size: int
    status: str = Field(
        description="confirmed（確定）、waitlisted（キャンセル待ち）、entered（抽選待ち）、cancelled（取消）"
    )
    on_behalf: bool = Field(description="区職員が代理で受けた申込")
    created_at: dt.datetime
    cancelled_at: dt.datetime | None


class RegisteredOut(RegistrationOut):
    message: str = Field(
        "",
        description="お知らせ。すでに申し込んでいた催しに申し込み直したとき「この催しにはすでに申し込んでいます」",
    )


@router.get(
    "/events",
    auth=PUBLIC,
    response={200: list[EventOut], 400: ValidationErrorOut},
    summary="催し・講座・訓練の一覧（公開中のもの）",
    description="最初の開催日時の順。from・to は開催日（YYYY-MM-DD、両端を含む）でいずれかの回がその間にある催し。",
)
@paginate(EventPages)
def list_events(
    request,
    ward: ward_filter("区（区名か6桁の団体コード）で絞り込む") = None,
    start: Annotated[
        dt.date | None, Query(alias="from", description="この日以降に開催される回がある")
    ] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="この日以前に開催される回がある")] = None,
    kind: Annotated[Event.Kind | None, Query(description="種類のコード")] = None,
):
    for value in (start, end):
        if value is not None and not FIRST_DATE <= value <= LAST_DATE:
            raise bad_request(
                _("日付は%(first)s年から%(last)s年までで指定してください（%(value)s）")
                % {"first": FIRST_DATE.year, "last": LAST_DATE.year, "value": value}
            )
    events = published_events()
    if ward:
        events = events.filter(ward=ward_in_query(ward))
    if start and end and end < start:
        raise bad_request(
            _("「to」（%(end)s）は「from」（%(start)s）以降の日付にしてください")
            % {"end": end, "start": start}
        )
    if start or end:
        sessions = EventSession.objects.filter(event=OuterRef("pk"))
        if start:
            sessions = sessions.filter(starts_at__date__gte=start)
        if end:
            sessions = sessions.filter(starts_at__date__lte=end)
        events = events.filter(Exists(sessions))
    if kind:
        events = events.filter(kind=kind)
    return events.annotate(first_start=Min("sessions__starts_at")).order_by("first_start", "id")


@router.get(
    "/events/{event_id}",
    auth=PUBLIC,
    response={200: EventOut, 400: ValidationErrorOut, 404: ErrorOut},
    summary="催しの詳細（残りの席数つき）",
    url_name="event",
)
def get_event(request, event_id: EventId):
    return _public_event(event_id)


@router.post(
    "/events/{event_id}/registrations",
    response={
        200: RegisteredOut,
        201: RegisteredOut,
        202: RegisteredOut,
        400: ValidationErrorOut,
        **AUTH_ERRORS,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="催しに申し込む",
    description=(
        "席が人数分残っていれば確定（confirmed）で 201、満席ならキャンセル待ち（waitlisted、人数まとめて）で 202。"
        "抽選の催しは抽選待ち（entered）で 202（申込締切の後の抽選で確定かキャンセル待ちになる）。"
        "キャンセル待ちのない催しが満席、受付期間外のときは 409。すでに自分が申し込んでいれば、その申込を"
        "200 で返す（答えが届かずに送り直したとき）。人数が上限を超えるとき、"
        "必須の質問への回答がないとき、選択肢にない回答のときは 400。"
        "caller を付けると区職員が電話や窓口で受けた申込（その区の職員だけ、ほかは 403）。"
        "Idempotency-Key をつければ、同じ鍵の再送には最初の答えをそのまま返す（Idempotent-Replayed: true）。"
        "同じ鍵で内容が違えば 422。"
    ),
)
def create_registration(
    request, event_id: EventId, payload: RegistrationIn, idempotency_key: IdempotencyKey = None
):
    return idempotent_answer(
        request,
        key=idempotency_key,
        operation="events.register",
        request_data={"event": event_id, **payload.dict()},
        schema=RegisteredOut,
        write=lambda: _register(request, event_id, payload),
    )


def _register(request, event_id: int, payload: RegistrationIn) -> tuple[int, dict]:
    # All of it: a party that fits is registered with the event as read here (`register`).
    event = _public_event(event_id, Event.objects.published())
    caller = (payload.caller.name, payload.caller.kana, payload.caller.phone) if payload.caller else None
    try:
        registration = actions.register(
            actor=request.auth,
            event=event,
            party_size=payload.party_size,
            caller=caller,
            answers=payload.answers,
        )
    except actions.AlreadyRegistered as theirs:
        return 200, {**_registration_out(theirs.registration), "message": theirs.message}
    status = 201 if registration.status == Registration.Status.CONFIRMED else 202
    return status, _registration_out(registration)


@router.post(
    "/registrations/{registration_id}/cancel",
    response={200: RegistrationOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut, 409: ErrorOut},
    summary="申込を取り消す",
    description=(
        "申込者は取消の期限（cancel_until）まで、催しの区の職員はいつでも取り消せる。空いた席には"
        "キャンセル待ちの方が申込順に繰り上がる（人数が入らない方は順番を保ったまま、後ろの入る方が先に）。"
        "期限後は 400、取消済みは 409。自分の申込でも管理する区の申込でもなければ 404。"
    ),
)
def cancel_registration(request, registration_id: RegistrationId):
    registration = Registration.objects.select_related("event").filter(pk=registration_id).first()
    if registration is None or not (
        (registration.person_id is not None and registration.person_id == request.auth.pk)
        or can_manage_ward(request.auth, registration.event.ward_id)
    ):
        raise NotFound(_("申込が見つかりません（id: %(id)s）") % {"id": registration_id})
    return _registration_out(actions.cancel(actor=request.auth, registration=registration))


@router.get(
    "/registrations/mine",
    response={200: list[RegistrationOut], 401: ErrorOut},
    summary="自分の申込の一覧",
    description="自分が申し込んだ催しの申込（取消も含む）。新しい順。",
)
def my_registrations(request):
    return [_registration_out(r) for r in registrations_of(request.auth)]


# --- Output --------------------------------------------------------------------------------------


def _public_event(event_id: int, events=None) -> Event:
    """The published event, or 404; `events` narrows what is read with it. get(): no ordering to compile."""
    try:
        return (published_events() if events is None else events).get(pk=event_id)
    except Event.DoesNotExist:
        raise NotFound(_("催しが見つかりません（id: %(id)s）") % {"id": event_id}) from None


def _registration_out(registration: Registration) -> dict:
    return {
        "id": registration.pk,
        "event": registration.event_id,
        "code": registration.code,
        "party_size": registration.party_size,
        "status": registration.status,
        "on_behalf": registration.on_behalf,
        "created_at": local_time(registration.created_at),
        "cancelled_at": local_time(registration.cancelled_at),
    }
