"""The facilities' JSON API: centres and rooms, a room's availability, and booking.

Centres and availability are public. Booking, one's own bookings and cancelling need a
personal token or the web session (`machi.accounts.api_auth`). Every rule lives in
`facilities.actions.book` / `cancel`, as for the web pages: a block someone else holds is
409, a rule that refuses is 400 and says why, a lack of scope is 403. The database has
the last word on taken time (`facilities.time_guards`), so two clients racing for the
same block, or for blocks whose times overlap, get one 201 and one 409, never two bookings.

Times are "HH:MM" in Asia/Tokyo; amounts are integer yen. Every list runs a fixed
number of queries, however many rows it returns.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, StrictInt

from machi.accounts.idempotency import IdempotencyKey
from machi.accounts.idempotency import answer as idempotent_answer
from machi.accounts.models import CommunityGroup
from machi.api_errors import AUTH_ERRORS, NO_CONTROL, ErrorOut, ValidationErrorOut
from machi.api_support import MAX_ID, PUBLIC, BodyIn, bad_request, local_time, row_id, ward_fields
from machi.core.errors import NotFound
from machi.facilities import actions
from machi.facilities.centre_rules import rules_of_room
from machi.facilities.models import Centre, Reservation, ReservationBlock, Room, TimeBlock
from machi.facilities.queries import FIRST_DATE, LAST_DATE, room_availability

router = Router(tags=["facilities"])

# A generous bound that keeps an answer small: two months of days at a time.
MAX_AVAILABILITY_DAYS = 62
DEFAULT_AVAILABILITY_DAYS = 14

RoomId = row_id("部屋の id")
ReservationId = row_id("予約の id")
Clock = Annotated[str, Field(description="時刻（HH:MM、日本時間）", examples=["09:00"])]
BlockCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[-a-zA-Z0-9_]+$")]


class BlockOut(Schema):
    code: str = Field(description="利用区分のコード（予約で blocks に指定する）")
    label: str = Field(description="名称（午前・午後・夜間 …）")
    start: Clock
    end: Clock


class RoomOut(Schema):
    id: int
    name: str
    capacity: int = Field(description="定員（人）")
    equipment: str = Field(description="設備")
    fee_per_block_yen: int = Field(description="1区分の使用料（円）")
    requires_approval: bool = Field(description="予約は管理者の承認で確定する（それまでは pending）")
    max_blocks_per_booking: int = Field(description="1回に予約できる連続した区分の数")


class CentreOut(Schema):
    id: int
    name: str
    name_kana: str
    ward: str = Field(description="区名")
    ward_code: str = Field(description="区の全国地方公共団体コード")
    school_district: str = Field(description="校区")
    address: str
    latitude: float | None
    longitude: float | None
    phone: str
    open_weekdays: list[int] = Field(description="開館曜日（0=月 … 6=日）")
    opens_at: Clock
    closes_at: Clock
    closed_on_holidays: bool = Field(description="国民の祝日は休館")
    closed_year_end: bool = Field(description="年末年始（12/29〜1/3）は休館")
    blocks: list[BlockOut] = Field(description="利用区分（時間順）")
    rooms: list[RoomOut]


class BlockStateOut(BlockOut):
    available: bool
    reason: str = Field(description="空いていない理由（予約済み・休館日・受付終了 …）。空いていれば空文字")


class DayOut(Schema):
    date: dt.date
    closed: str | None = Field(description="休館の理由。開館日は null")
    blocks: list[BlockStateOut]


class AvailabilityOut(Schema):
    room: int = Field(description="部屋の id")
    days: list[DayOut]


class ReservationIn(BodyIn):
    """A booking of consecutive blocks of a room on a day, for oneself (or an approved group one belongs to)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"room": 1, "date": "2027-01-12", "blocks": ["morning"]}]},
    )

    room: StrictInt = Field(ge=1, le=MAX_ID, description="部屋の id")
    date: dt.date = Field(description="利用日（YYYY-MM-DD）")
    blocks: list[BlockCode] = Field(
        min_length=1, max_length=10, description='利用区分のコード（連続した区分、例: ["morning"]）'
    )
    group: StrictInt | None = Field(None, ge=1, le=MAX_ID, description="団体として予約するときの団体の id")
    purpose: str = Field("", max_length=200, pattern=NO_CONTROL, description="利用目的")
    attendees: StrictInt | None = Field(None, ge=1, le=100_000, description="利用人数")


class CancelIn(BodyIn):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=200, pattern=NO_CONTROL, description="取消の理由（任意）")


class ReservationOut(Schema):
    id: int
    receipt_number: str = Field(description="受付番号（領収書・問い合わせに使う）")
    room: int = Field(description="部屋の id")
    room_name: str
    centre: int = Field(description="センターの id")
    centre_name: str
    date: dt.date
    blocks: list[str] = Field(description="利用区分のコード（時間順）")
    start: Clock
    end: Clock
    status: str = Field(description="pending 承認待ち / confirmed 確定 / won 当選 / declined / cancelled …")
    status_label: str = Field(description="状態（日本語）")
    group: int | None = Field(description="団体の id。個人の予約は null")
    purpose: str
    attendees: int | None
    on_behalf: bool = Field(description="窓口・電話での代理予約")
    fee_yen: int = Field(description="使用料（円）")
    exemption_yen: int = Field(description="減免額（円）")
    payable_yen: int = Field(
        description="お支払いいただく額（円）= 使用料 − 減免額。取消・不承認・当選辞退の予約は 0"
    )
    cancellable_until: dt.date = Field(description="予約者が自分で取り消せる最後の日")
    confirm_by: dt.datetime | None = Field(description="抽選の当選を確認する期限。それ以外は null")
    created_at: dt.datetime


class BookedOut(ReservationOut):
    message: str = Field(
        "",
        description="お知らせ。すでに自分の予約だった枠を申し込み直したとき「この枠はすでにあなたの予約です」",
    )


@router.get(
    "/centres",
    auth=PUBLIC,
    response=list[CentreOut],
    summary="地域コミュニティセンターの一覧（部屋と利用区分つき）",
)
def list_centres(request):
    centres = Centre.objects.select_related("ward").prefetch_related(
        Prefetch("rooms", queryset=Room.objects.order_by("position", "id")),
        _ordered_blocks("blocks"),
    )
    return [_centre_out(centre) for centre in centres]


@router.get(
    "/rooms/{room_id}/availability",
    auth=PUBLIC,
    response={200: AvailabilityOut, 400: ValidationErrorOut, 404: ErrorOut},
    summary="部屋の空き状況（日ごと・区分ごと）",
    description=(
        f"from から to まで（両端を含む、{MAX_AVAILABILITY_DAYS}日以内）の各日の各区分が空いているか、"
        "空いていなければその理由。省略した from は今日、to は from から"
        f"{DEFAULT_AVAILABILITY_DAYS}日間。予約の受付が始まっているかは予約する人によるため、"
        "ここでは問わない（予約のときに理由つきで断る）。"
    ),
)
def room_availability_days(
    request,
    room_id: RoomId,
    start: Annotated[
        dt.date | None, Query(alias="from", description="最初の日（YYYY-MM-DD）。省略は今日")
    ] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="最後の日（YYYY-MM-DD、含む）")] = None,
):
    room = Room.objects.select_related("centre").filter(pk=room_id).first()
    if room is None:
        raise _room_not_found(room_id)
    start = start or timezone.localdate()
    end = end or start + dt.timedelta(days=DEFAULT_AVAILABILITY_DAYS - 1)
    for value in (start, end):
        if not FIRST_DATE <= value <= LAST_DATE:
            raise bad_request(
                _("日付は%(first)s年から%(last)s年までで指定してください（%(value)s）")
                % {"first": FIRST_DATE.year, "last": LAST_DATE.year, "value": value}
            )
    if end < start:
        raise bad_request(
            _("「to」（%(end)s）は「from」（%(start)s）以降の日付にしてください")
            % {"end": end, "start": start}
        )
    if (end - start).days + 1 > MAX_AVAILABILITY_DAYS:
        raise bad_request(
            _("一度に見られるのは%(days)s日までです（%(start)s〜%(end)s）")
            % {"days": MAX_AVAILABILITY_DAYS, "start": start, "end": end}
        )
    days = room_availability(room, start, end)
    return {"room": room.pk, "days": [_day_out(day) for day in days]}


@router.post(
    "/reservations",
    response={
        200: BookedOut,
        201: BookedOut,
        400: ValidationErrorOut,
        **AUTH_ERRORS,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="部屋を予約する（先着順）",
    description=(
        "空いていれば確定（confirmed）、承認が必要な部屋では承認待ち（pending）として 201。"
        "ほかの方がすでにその区分を押さえていれば 409。受付期間の前、休館日、定員超過、"
        "連続しない区分、団体の月間上限など、規則で受けられないときは 400 で理由を返す。"
        "団体の構成員でなければ、その団体としては予約できない（403。団体の名前や状態は答えない）。"
        "申し込んだ区分がすでに自分の予約なら（答えが届かずに送り直したとき）、その予約を 200 で返す"
        "（message「この枠はすでにあなたの予約です」）。Idempotency-Key をつければ、同じ鍵の再送には"
        "最初の答えをそのまま返す（Idempotent-Replayed: true）。同じ鍵で内容が違えば 422。"
    ),
)
def create_reservation(request, payload: ReservationIn, idempotency_key: IdempotencyKey = None):
    return idempotent_answer(
        request,
        key=idempotency_key,
        operation="facilities.book",
        request_data=payload.dict(),
        schema=BookedOut,
        write=lambda: _book(request, payload),
    )


def _book(request, payload: ReservationIn) -> tuple[int, dict]:
    # The room with its centre's settings, as kept in the process while the database says they hold.
    rules = rules_of_room(payload.room)
    if rules is None:
        raise bad_request(_("部屋が見つかりません（id: %(id)s）") % {"id": payload.room})
    room = rules.rooms[payload.room]
    group = None
    if payload.group is not None:
        group = CommunityGroup.objects.filter(pk=payload.group).first()
        if group is None:
            raise actions.group_refused()  # as for another's group: an id tells nothing
    if not FIRST_DATE <= payload.date <= LAST_DATE:
        raise bad_request(
            _("利用日は%(first)s年から%(last)s年までで指定してください")
            % {"first": FIRST_DATE.year, "last": LAST_DATE.year}
        )
    try:
        reservation = actions.book(
            actor=request.auth,
            room=room,
            date=payload.date,
            block_codes=payload.blocks,
            group=group,
            purpose=payload.purpose,
            attendees=payload.attendees,
            rules=rules,
        )
    except actions.AlreadyYours as theirs:
        return 200, {
            **_reservation_out(_with_details().get(pk=theirs.reservation.pk)),
            "message": theirs.message,
        }
    # Answered from what the booking wrote (no reading back): the rush at 9:00 is made of these.
    held = [block for block in rules.blocks if block.code in payload.blocks]
    return 201, _reservation_out(reservation, held)


@router.get(
    "/reservations/mine",
    response={200: list[ReservationOut], 400: ValidationErrorOut, 401: ErrorOut},
    summary="自分の予約の一覧",
    description="自分が予約者の予約（取消・不承認も含む）。past=false（既定）では今日以降の利用日だけ。",
)
def my_reservations(
    request,
    past: Annotated[bool, Query(description="過去の利用日の予約も含める")] = False,
):
    reservations = _with_details().of_holder(request.auth)
    if not past:
        reservations = reservations.upcoming()
    return [_reservation_out(r) for r in reservations.order_by("date", "id")]


@router.post(
    "/reservations/{reservation_id}/cancel",
    response={200: ReservationOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut},
    summary="予約を取り消す",
    description=(
        "予約者は取消の期限（cancellable_until）まで、センターの管理者はいつでも取り消せる。"
        "期限を過ぎた、すでに取り消した、などで取り消せないときは 400 で理由を返す。"
        "自分の予約でもなく管理するセンターの予約でもなければ 404。"
    ),
)
def cancel_reservation(request, reservation_id: ReservationId, payload: CancelIn | None = None):
    reservation = Reservation.objects.select_related("room__centre").filter(pk=reservation_id).first()
    if reservation is None or not (
        reservation.holder_id == request.auth.pk
        or actions.can_manage_centre(request.auth, reservation.room.centre)
    ):
        raise NotFound(_("予約が見つかりません（id: %(id)s）") % {"id": reservation_id})
    actions.cancel(actor=request.auth, reservation=reservation, reason=payload.reason if payload else "")
    return _reservation_out(_with_details().get(pk=reservation.pk))


# --- Output ------------------------------------------------------------------------------


def _clock(moment: dt.time) -> str:
    return f"{moment:%H:%M}"


def _block_out(block: TimeBlock) -> dict:
    return {
        "code": block.code,
        "label": block.label,
        "start": _clock(block.starts_at),
        "end": _clock(block.ends_at),
    }


def _centre_out(centre: Centre) -> dict:
    return {
        "id": centre.pk,
        "name": centre.name,
        "name_kana": centre.name_kana,
        **ward_fields(centre.ward),
        "school_district": centre.school_district,
        "address": centre.address,
        "latitude": None if centre.latitude is None else float(centre.latitude),
        "longitude": None if centre.longitude is None else float(centre.longitude),
        "phone": centre.phone,
        "open_weekdays": sorted({int(d) for d in centre.open_weekdays if d.isdigit()}),
        "opens_at": _clock(centre.opens_at),
        "closes_at": _clock(centre.closes_at),
        "closed_on_holidays": centre.closed_on_holidays,
        "closed_year_end": centre.closed_year_end,
        "blocks": [_block_out(block) for block in centre.blocks.all()],
        "rooms": [
            {
                "id": room.pk,
                "name": room.name,
                "capacity": room.capacity,
                "equipment": room.equipment,
                "fee_per_block_yen": room.fee_per_block_yen,
                "requires_approval": room.requires_approval,
                "max_blocks_per_booking": room.max_blocks_per_booking,
            }
            for room in centre.rooms.all()
        ],
    }


def _day_out(day) -> dict:
    return {
        "date": day.date,
        "closed": day.closed,
        "blocks": [
            {**_block_out(state.block), "available": state.available, "reason": state.reason}
            for state in day.blocks
        ],
    }


def _ordered_blocks(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=TimeBlock.objects.order_by("position"))


def _with_details():
    """Reservations with all `_reservation_out` reads: two queries for any number of them."""
    return Reservation.objects.select_related("room__centre").prefetch_related(
        Prefetch(
            "held_blocks",
            queryset=ReservationBlock.objects.select_related("block").order_by("block__position"),
        )
    )


def _reservation_out(reservation: Reservation, blocks: list[TimeBlock] | None = None) -> dict:
    """The reservation as the API shows it; `blocks` (in time order) when known, else its held blocks."""
    if blocks is None:
        blocks = [held.block for held in reservation.held_blocks.all()]
    local = local_time
    return {
        "id": reservation.pk,
        "receipt_number": reservation.receipt_number,
        "room": reservation.room_id,
        "room_name": reservation.room.name,
        "centre": reservation.room.centre_id,
        "centre_name": reservation.room.centre.name,
        "date": reservation.date,
        "blocks": [block.code for block in blocks],
        "start": _clock(blocks[0].starts_at) if blocks else "",
        "end": _clock(blocks[-1].ends_at) if blocks else "",
        "status": reservation.status,
        "status_label": str(reservation.get_status_display()),
        "group": reservation.group_id,
        "purpose": reservation.purpose,
        "attendees": reservation.attendees,
        "on_behalf": reservation.on_behalf,
        "fee_yen": reservation.fee_yen,
        "exemption_yen": reservation.exemption_yen,
        "payable_yen": reservation.payable_yen,
        "cancellable_until": actions.cancellation_deadline(reservation),
        "confirm_by": local(reservation.confirm_by),
        "created_at": local(reservation.created_at),
    }


def _room_not_found(room_id: int) -> NotFound:
    return NotFound(_("部屋が見つかりません（id: %(id)s）") % {"id": room_id})
