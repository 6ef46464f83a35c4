"""The door's JSON API: checking a party in, and the roster, for the event's staff and helpers only.

`POST /api/events/{id}/checkins` takes a code (typed or scanned) or a registration id, the session and
a client nonce: 201 with a new check-in, 200 with the one already made (when, by whom) for a repeat or
a retried nonce, 403 for anyone but the event's ward staff and helpers, 404 for a code the event does
not have, 409 for a registration that is not confirmed. `GET /api/events/{id}/roster` lists the
confirmed parties; a phone number only for parties registered by phone, at the counter or at the door.
`GET /api/events/{id}/lottery` is public: the seed's digest, the seed once registration has closed, and
the draw's log (registration ids, parties, tiers; no names), so anyone can re-run the draw.
Every rule lives in `machi.events.actions.attendance`.
"""

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from machi.accounts.scope import require_event_helper
from machi.api_errors import AUTH_ERRORS, NO_CONTROL, ErrorOut, ValidationErrorOut
from machi.api_support import PUBLIC, BodyIn, bad_request, local_time, row_id
from machi.core.errors import NotFound
from machi.events import actions
from machi.events.actions.lottery import published_seed
from machi.events.models import Event, EventSession
from machi.events.queries import published_events, roster_rows

router = Router(tags=["events"])

EventId = row_id("催しの id")


class CheckInIn(BodyIn):
    session: int = Field(ge=1, le=2**31 - 1, description="開催回の id")
    code: Annotated[str, Field(max_length=200, pattern=NO_CONTROL)] | None = Field(
        default=None, description="受付番号（QRコードの読み取り結果でもよい）"
    )
    registration: int | None = Field(default=None, ge=1, le=2**31 - 1, description="参加申込の id")
    nonce: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL)] | None = Field(
        default=None, description="端末が決める一意の文字列。再送しても同じ受付を返す"
    )
    fee_paid_yen: int | None = Field(default=None, ge=0, le=10**8, description="受け取った参加費（円）")


class CheckInOut(Schema):
    id: int
    registration: int
    code: str
    party_size: int
    session: int
    checked_in_at: dt.datetime
    checked_in_by: str = Field(description="受付した人の表示名")
    repeat: bool = Field(description="すでに受付済みだった（200）")
    message: str = Field(description="画面に出す一文（「10時5分に○○さんが受付済み」など）")


class RosterCheckIn(Schema):
    session: int
    checked_in_at: dt.datetime
    checked_in_by: str


class RosterRowOut(Schema):
    registration: int
    code: str
    party_size: int
    name: str = Field(description="氏名（アカウントの方は表示名）")
    kana: str
    phone: str = Field(description="電話や窓口、当日に受けた申込の電話番号。アカウントの方は空")
    on_behalf: bool
    walk_in: bool
    checkins: list[RosterCheckIn]


class RosterOut(Schema):
    event: int
    confirmed_parties: int
    confirmed_seats: int
    sessions: list[int]
    items: list[RosterRowOut]


class LotteryOut(Schema):
    event: int
    seed_digest: str = Field(description="乱数の種の SHA-256（公開の時から示す）")
    seed: str | None = Field(description="乱数の種。申込締切の後に公開（それまでは null）")
    drawn_at: dt.datetime | None
    log: dict | None = Field(
        description="抽選の記録（申込の id・人数・優先順位、順番、当落）。氏名などは含まない。抽選前は null"
    )


def _event(event_id: int) -> Event:
    event = Event.objects.select_related("ward").filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("催しが見つかりません（id: %(id)s）") % {"id": event_id})
    return event


@router.post(
    "/events/{event_id}/checkins",
    response={
        200: CheckInOut,
        201: CheckInOut,
        400: ValidationErrorOut,
        **AUTH_ERRORS,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="参加者を受付する（出席）",
    description=(
        "受付番号（code）か参加申込の id（registration）と開催回（session）で受付する。新しい受付は 201、"
        "同じ申込・同じ回の受付がすでにあるとき、または同じ nonce の再送には 200 で、いつ誰が受付したかを返す。"
        "催しの区の職員と受付係のほかは 403、受付番号がこの催しにないときは 404、確定していない申込"
        "（キャンセル待ち・抽選待ち・取消）は 409。"
    ),
)
def check_in(request, event_id: EventId, payload: CheckInIn):
    event = _event(event_id)
    require_event_helper(request.auth, event)
    if (payload.code is None) == (payload.registration is None):
        raise bad_request(
            _("受付番号（code）か参加申込の id（registration）のどちらか一方を指定してください")
        )
    session = EventSession.objects.filter(pk=payload.session, event=event).first()
    if session is None:
        raise NotFound(_("この催しの開催回ではありません（id: %(id)s）") % {"id": payload.session})
    result = actions.check_in(
        actor=request.auth,
        event=event,
        session=session,
        code=payload.code,
        registration=payload.registration,
        nonce=payload.nonce,
        fee_paid_yen=payload.fee_paid_yen,
    )
    checkin = result.checkin
    return Status(
        201 if result.created else 200,
        {
            "id": checkin.pk,
            "registration": checkin.registration_id,
            "code": result.registration.code,
            "party_size": result.registration.party_size,
            "session": checkin.session_id,
            "checked_in_at": local_time(checkin.checked_in_at),
            "checked_in_by": result.by,
            "repeat": not result.created,
            "message": result.message,
        },
    )


@router.get(
    "/events/{event_id}/lottery",
    url_name="event_lottery",
    auth=PUBLIC,
    response={200: LotteryOut, 400: ValidationErrorOut, 404: ErrorOut},
    summary="抽選の催しの乱数の種と抽選の記録（だれでも検証できる）",
    description=(
        "公開の時に決めた乱数の種のハッシュ、申込締切の後はその種、抽選の後は記録。記録と種から "
        "machi.events.draw.run_draw で同じ順番と当落を再計算できる。抽選でない催し・非公開の催しは 404。"
    ),
)
def lottery(request, event_id: EventId):
    event = published_events().filter(pk=event_id, allocation=Event.Allocation.LOTTERY).first()
    if event is None:
        raise NotFound(_("抽選の催しが見つかりません（id: %(id)s）") % {"id": event_id})
    return {
        "event": event.pk,
        "seed_digest": event.lottery_seed_digest,
        "seed": published_seed(event),
        "drawn_at": local_time(event.lottery_drawn_at),
        "log": event.lottery_log if event.lottery_drawn_at else None,
    }


@router.get(
    "/events/{event_id}/roster",
    response={200: RosterOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut},
    summary="催しの名簿（確定した参加者と受付の状況）",
    description=(
        "催しの区の職員と受付係だけ（ほかは 403）。かなの順。電話番号は電話・窓口・当日の申込だけ。"
        "見たことは監査の記録に残る。"
    ),
)
def roster(request, event_id: EventId):
    event = _event(event_id)
    require_event_helper(request.auth, event, _("名簿"))
    rows = roster_rows(event)
    actions.record_roster_seen(actor=request.auth, event=event, rows=rows, action="events.view_roster")
    return {
        "event": event.pk,
        "confirmed_parties": len(rows),
        "confirmed_seats": sum(row.party_size for row in rows),
        "sessions": list(event.sessions.values_list("pk", flat=True)),
        "items": [
            {
                "registration": row.registration.pk,
                "code": row.code,
                "party_size": row.party_size,
                "name": row.name,
                "kana": row.kana,
                "phone": row.phone,
                "on_behalf": row.registration.on_behalf,
                "walk_in": row.registration.walk_in,
                "checkins": [
                    {
                        "session": c.session_id,
                        "checked_in_at": local_time(c.checked_in_at),
                        "checked_in_by": str(c.checked_in_by) if c.checked_in_by else "",
                    }
                    for c in row.checkins.values()
                ],
            }
            for row in rows
        ],
    }
