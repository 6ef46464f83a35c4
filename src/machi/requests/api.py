"""Residents' requests in the Machi API: staff's queue and actions, residents' own requests.

Staff of a ward (a personal token or the web session) see their wards' requests, overdue first, with
the history (internal notes included), the expenditures and the fund's money left; they triage,
decide (対応不可 with a public reason, 引継ぎ with whom, 重複 of which request), resolve and record
expenditures and refunds (戻入). A resident sees and submits their own requests, reopens a 対応済 one
within 30 days, withdraws one still open and follows one ("the same problem"). A request is named by
its service_request_id (431010-2026-3), as in Open311. Every rule lives in `machi.requests.actions`:
a change made on a stale `expected_version` is a 409; a request the caller may not see is a 404.
"""

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from machi.accounts.scope import can_manage_ward, is_staff_anywhere, require_ward
from machi.api_errors import AUTH_ERRORS, NO_CONTROL, ErrorOut, ValidationErrorOut
from machi.api_support import BodyIn, local_time, row_id
from machi.audit.actions import record_view
from machi.core.errors import NotFound
from machi.core.money import MAX_YEN
from machi.ledger.models import ExpenseSection
from machi.requests import actions, queries
from machi.requests.models import DESCRIPTION_MAX, Category, Expenditure, Request

router = Router(tags=["requests"])

PAGE_SIZE, MAX_PAGE_SIZE, MAX_OFFSET = 100, 500, 10**9
Code = Annotated[str, Field(max_length=40, pattern=r"^\d{6}-\d{4}-\d{1,9}$")]
ExpenditureId = row_id("支出の id")
StatusName = Literal[
    "received", "checking", "in_progress", "resolved", "declined", "referred", "duplicate", "withdrawn"
]
Note = Annotated[str, Field(max_length=2000, description="公開する説明（申出者と一般に見えます）")]
InternalNote = Annotated[str, Field(max_length=2000, description="内部メモ（区の職員だけが見ます）")]
Text = Annotated[str, Field(max_length=200, pattern=NO_CONTROL)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="読んだときの version（古ければ 409）")]
Yen = Annotated[int, Field(ge=1, le=MAX_YEN, description="金額（円、1円以上の整数）")]


class RequestPages(LimitOffsetPagination):
    """limit/offset pages with bounds, so a huge number is a 400, never a database error."""

    class Input(Schema):
        limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="1ページの件数")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="先頭から飛ばす件数")

    def paginate_queryset(self, queryset, pagination, request, **params):
        """The page's requests only are turned into their summaries (and their overdue flag)."""
        offset, limit = pagination.offset, pagination.limit
        return {
            "items": [_summary(found) for found in queryset[offset : offset + limit]],
            "count": queryset.count(),
        }


# --- Output --------------------------------------------------------------------------------------


class RequestOut(Schema):
    code: str = Field(description="課題の番号（Open311 の service_request_id: 区の団体コード-年度-番号）")
    label: str = Field(description="令和8年度 中央区 第3号")
    ward: str
    ward_code: str
    fiscal_year: int
    number: int
    category: str = Field(description="課題の種類")
    category_code: str = Field(description="Open311 の service_code（区の団体コード-種類のコード）")
    status: StatusName = Field(
        description="received 受付 / checking 確認中 / in_progress 対応中 / resolved 対応済 / declined 対応不可 / "
        "referred 引継ぎ / duplicate 重複 / withdrawn 取下げ"
    )
    status_label: str
    school_district: str = Field(description="校区")
    created_at: dt.datetime
    acknowledge_by: dt.date = Field(description="受付確認の期限（開庁日で1日）")
    acknowledged_at: dt.datetime | None
    expected_by: dt.date = Field(description="対応予定日（種類の目標日数）")
    resolved_at: dt.datetime | None
    late: bool = Field(description="期限を過ぎている（受付確認または対応予定日）")
    version: int = Field(description="変更のときに expected_version として送る")


class UpdateOut(Schema):
    at: dt.datetime
    from_status: str = Field(description="変更前の状態（受付のときは空）")
    to_status: str
    public_note: str
    internal_note: str | None = Field(description="内部メモ（職員だけ。申出者には null）")


class ExpenditureOut(Schema):
    id: int
    kind: Literal["payment", "refund"] = Field(description="payment 支出 / refund 戻入")
    section: str = Field(description="節のコード（supplies 需用費 …）")
    section_label: str
    payee: str = Field(description="支払先（職員向け。公開の履歴には出ません）")
    paid_on: dt.date
    amount_yen: int = Field(description="金額（円、正の数）")
    signed_yen: int = Field(description="決算額への増減（円、戻入は負）")
    order_number: str = Field(description="支出命令番号")
    note: str
    refund_of: int | None = Field(description="戻入の元の支出の id")
    refundable_yen: int | None = Field(description="支出のうちまだ戻入できる額（戻入の行は null）")
    overdraw_reason: str = Field(description="予算の残りを超えた理由（流用）")
    recorded_at: dt.datetime


class FundOut(Schema):
    project: int = Field(description="台帳の事業の id（課題対応経費）")
    budget_yen: int | None = Field(description="予算（2月補正後、なければ当初予算）。null は計上なし")
    settled_yen: int = Field(description="決算額")
    unsettled_yen: int = Field(description="サービスが決定済みで未払いの額")
    left_yen: int | None = Field(description="予算の残り（負は予算超過）")
    overdrawn: bool


class RequestDetailOut(RequestOut):
    description: str
    address: str
    latitude: float | None
    longitude: float | None
    attributes: dict = Field(description="種類ごとの追加の項目への回答（項目のコード → 値）")
    public_reason: str = Field(description="対応不可の理由（公開）")
    referred_to: str = Field(description="引継ぎ先")
    duplicate_of: str | None = Field(description="重複先の課題の番号")
    on_behalf: bool = Field(description="職員が電話・窓口で代理で受け付けた")
    caller_name: str | None = Field(description="代理受付の申出者の氏名（職員だけ）")
    caller_phone: str | None = Field(description="代理受付の申出者の電話番号（職員だけ）")
    followers: int = Field(description="同じ課題としてフォローしている人数")
    history: list[UpdateOut] = Field(description="変更の記録（古い順、追記のみ）")
    expenditures: list[ExpenditureOut] | None = Field(description="支出と戻入（職員だけ。申出者には null）")
    spent_yen: int | None = Field(description="支出の合計から戻入を引いた額（職員だけ）")
    fund: FundOut | None = Field(description="支払う事業の予算の残り（職員だけ。事業の設定がなければ null）")


class FollowOut(Schema):
    code: str
    following: bool


# --- Input ---------------------------------------------------------------------------------------


class SubmitIn(BodyIn):
    service_code: Annotated[str, Field(min_length=3, max_length=60, pattern=NO_CONTROL)] = Field(
        description="課題の種類（Open311 の service_code: 431010-road）"
    )
    description: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_MAX)]
    latitude: Annotated[float | None, Field(ge=-90, le=90)] = None
    longitude: Annotated[float | None, Field(ge=-180, le=180)] = None
    address: Annotated[str, Field(max_length=200, pattern=NO_CONTROL)] = ""
    school_district: Annotated[str, Field(max_length=100, pattern=NO_CONTROL)] = ""
    caller_name: Annotated[str, Field(max_length=100, pattern=NO_CONTROL)] = Field(
        "", description="電話・窓口で受けた申出者の氏名（その区の職員だけ）"
    )
    caller_phone: Annotated[str, Field(max_length=30, pattern=NO_CONTROL)] = ""
    attributes: dict[
        Annotated[str, Field(max_length=40)],
        Annotated[str, Field(max_length=1000)] | list[Annotated[str, Field(max_length=200)]],
    ] = Field(
        default_factory=dict, description="種類の追加の項目への回答（項目のコード → 値、複数選択はリスト）"
    )


class TriageIn(BodyIn):
    to: Literal["checking", "in_progress"] = Field(description="checking 確認中 / in_progress 対応中")
    expected_version: Version
    public_note: Note = ""
    internal_note: InternalNote = ""


class DecideIn(BodyIn):
    to: Literal["declined", "referred", "duplicate"]
    expected_version: Version
    reason: Annotated[str, Field(max_length=2000)] = Field("", description="対応不可の理由（公開されます）")
    referred_to: Text = Field("", description="引継ぎ先（道路管理者など）")
    duplicate_of: Annotated[str, Field(max_length=40)] = Field("", description="重複先の課題の番号")
    public_note: Note = ""
    internal_note: InternalNote = ""


class ResolveIn(BodyIn):
    expected_version: Version
    public_note: Note = ""
    internal_note: InternalNote = ""


class ReopenIn(BodyIn):
    expected_version: Version | None = None
    public_note: Note = ""


class WithdrawIn(BodyIn):
    expected_version: Version | None = None


class ExpenditureIn(BodyIn):
    section: ExpenseSection = Field(description="節")
    payee: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL)] = Field(
        description="支払先"
    )
    paid_on: dt.date = Field(description="支払日（事業の年度内か出納整理期間）")
    amount_yen: Yen
    order_number: Annotated[str, Field(max_length=40, pattern=NO_CONTROL)] = Field(
        "", description="支出命令番号"
    )
    note: Text = ""
    overdraw_reason: Annotated[str, Field(max_length=2000)] = Field(
        "", description="予算の残りを超えるときの理由（流用）。なければ超える支出は 400"
    )


class RefundIn(BodyIn):
    amount_yen: Yen
    paid_on: dt.date = Field(description="戻入の日")
    order_number: Annotated[str, Field(max_length=40, pattern=NO_CONTROL)] = ""
    note: Text = ""


STAFF_CHANGE = {200: RequestDetailOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut, 409: ErrorOut}


# --- Endpoints -----------------------------------------------------------------------------------


@router.get(
    "/requests",
    response={200: list[RequestOut], 400: ValidationErrorOut, 401: ErrorOut},
    summary="地域課題の一覧（職員は担当区の受付、住民は自分の申出）",
    description=(
        "区の職員には担当区の課題を、期限を過ぎたものを先に、古い順で。status は open（既定）、closed、all か"
        "状態のコード。住民には自分が申し出た課題とフォローしている課題を新しい順で（status の既定は all）。"
    ),
)
@paginate(RequestPages)
def list_requests(
    request,
    status: Annotated[
        Literal["open", "closed", "all"] | StatusName | None, Query(description="状態で絞り込む")
    ] = None,
):
    actor = request.auth
    if is_staff_anywhere(actor):
        return queries.staff_queue(actor, status)
    own = queries.requests_of(actor)
    if status and status != "all":
        own = own.filter(queries.status_filter(status))
    return own


@router.get(
    "/requests/{code}",
    response={200: RequestDetailOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut},
    summary="地域課題の詳細",
    description=(
        "区の職員: 内部メモを含む履歴、支出と戻入、支払う事業の予算の残り（閲覧は記録されます）。"
        "申出者: 自分の課題（内部メモ、支出なし）。ほかの人には 404。"
    ),
    url_name="request",
)
def get_request(request, code: Code):
    found, staff = _visible(request.auth, code)
    if staff:
        record_view(
            actor=request.auth,
            action="requests.view",
            obj=found,
            people=[found.requester_id],
            ward=found.ward_id,
        )
    return _detail(found, staff)


@router.post(
    "/requests",
    response={201: RequestDetailOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut},
    summary="地域課題を申し出る",
    description=(
        "位置（緯度・経度、熊本市内）か住所のどちらかが必要。caller_name・caller_phone は区の職員が電話や窓口で"
        "受けた申出（その区の職員だけ、ほかは 403）。attributes は種類の追加の項目への回答（必須・型・選択肢を確認、"
        "誤りは 400）。番号は区・年度ごとに欠番なく付きます。"
    ),
)
def submit(request, payload: SubmitIn):
    category = _category(payload.service_code)
    made = actions.submit_request(
        actor=request.auth,
        category=category,
        description=payload.description,
        latitude=payload.latitude,
        longitude=payload.longitude,
        address=payload.address,
        school_district=payload.school_district,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        attributes=payload.attributes,
    )
    return Status(201, _detail(_reread(made), can_manage_ward(request.auth, made.ward_id)))


@router.post(
    "/requests/{code}/triage",
    response=STAFF_CHANGE,
    summary="受付を確認する（確認中・対応中へ）",
    description="受付・確認中の課題を確認中か対応中にする（区の職員）。expected_version が古ければ 409。",
)
def triage(request, code: Code, payload: TriageIn):
    found = _for_staff(request.auth, code)
    return _change(request, found, payload.to, payload)


@router.post(
    "/requests/{code}/decide",
    response=STAFF_CHANGE,
    summary="対応不可・引継ぎ・重複と決める",
    description=(
        "declined は reason（公開する理由）、referred は referred_to（引継ぎ先）、duplicate は duplicate_of"
        "（同じ区の課題の番号）が必要（ないと 400）。expected_version が古ければ 409。"
    ),
)
def decide(request, code: Code, payload: DecideIn):
    found = _for_staff(request.auth, code)
    duplicate = None
    if payload.to == "duplicate" and payload.duplicate_of.strip():
        duplicate = _one(payload.duplicate_of.strip())
    return _change(
        request,
        found,
        payload.to,
        payload,
        reason=payload.reason,
        referred_to=payload.referred_to,
        duplicate_of=duplicate,
    )


@router.post(
    "/requests/{code}/resolve",
    response=STAFF_CHANGE,
    summary="対応済にする",
    description="申出者は30日以内なら再開できます。expected_version が古ければ 409。",
)
def resolve(request, code: Code, payload: ResolveIn):
    found = _for_staff(request.auth, code)
    return _change(request, found, Request.Status.RESOLVED, payload)


@router.post(
    "/requests/{code}/reopen",
    response=STAFF_CHANGE,
    summary="対応済の課題を再開する（申出者）",
    description="対応済から30日以内なら確認中に戻ります。対応済でない、30日を過ぎた、版が古いときは 409。",
)
def reopen(request, code: Code, payload: ReopenIn):
    found, _staff = _visible(request.auth, code)
    changed = actions.reopen(
        actor=request.auth,
        request=found,
        public_note=payload.public_note,
        expected_version=payload.expected_version,
    )
    return _detail(_reread(changed), can_manage_ward(request.auth, changed.ward_id))


@router.post(
    "/requests/{code}/withdraw",
    response=STAFF_CHANGE,
    summary="課題を取り下げる（申出者）",
    description="受付中・確認中・対応中の課題だけ。終わった課題や版が古いときは 409。",
)
def withdraw(request, code: Code, payload: WithdrawIn):
    found, _staff = _visible(request.auth, code)
    changed = actions.withdraw(actor=request.auth, request=found, expected_version=payload.expected_version)
    return _detail(_reread(changed), can_manage_ward(request.auth, changed.ward_id))


@router.post(
    "/requests/{code}/follow",
    response={200: FollowOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut, 409: ErrorOut},
    summary="同じ課題としてフォローする",
    description="公開の課題のうち受付中・確認中・対応中のもの。新しく申し出る代わりに、進み具合を知らせます。",
)
def follow(request, code: Code):
    found = queries.public_request(code)
    if found is None:
        raise _not_found(code)
    actions.follow(actor=request.auth, request=found)
    return {"code": found.service_request_id, "following": True}


@router.post(
    "/requests/{code}/expenditures",
    response={201: ExpenditureOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut, 409: ErrorOut},
    summary="課題対応の支出を記録する",
    description=(
        "種類の事業（課題対応経費）の決算額に計上し、事業の履歴に「課題対応 <課題> <節>」と残します（支払先は職員向け）。"
        "予算の残りを超える支出は overdraw_reason（流用の理由）がなければ 400（内訳つき）。"
        "取下げ・重複・対応不可・引継ぎの課題には 409。"
    ),
)
def record_expenditure(request, code: Code, payload: ExpenditureIn):
    found = _for_staff(request.auth, code)
    paid = actions.record_expenditure(actor=request.auth, request=found, **payload.dict())
    return Status(201, _expenditure_out(paid))


@router.post(
    "/requests/{code}/expenditures/{expenditure_id}/refund",
    response={201: ExpenditureOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut, 409: ErrorOut},
    summary="支出の戻入を記録する",
    description="支出のうちまだ戻入されていない額まで。事業の決算額から差し引き、履歴には△で表れます。",
)
def refund_expenditure(request, code: Code, expenditure_id: ExpenditureId, payload: RefundIn):
    found = _for_staff(request.auth, code)
    payment = Expenditure.objects.filter(pk=expenditure_id, request=found).first()
    if payment is None:
        raise NotFound(_("支出が見つかりません（id: %(id)s）") % {"id": expenditure_id})
    refund = actions.refund_expenditure(actor=request.auth, expenditure=payment, **payload.dict())
    return Status(201, _expenditure_out(refund))


# --- Plumbing ------------------------------------------------------------------------------------


def _not_found(code: str) -> NotFound:
    return NotFound(_("課題が見つかりません（%(code)s）") % {"code": code}, code="requests.not_found")


def _one(code: str) -> Request:
    found = queries.by_code(code)
    request = (
        Request.objects.select_related("ward", "category__fund", "duplicate_of__ward").filter(found).first()
        if found is not None
        else None
    )
    if request is None:
        raise _not_found(code)
    return request


def _visible(actor, code: str) -> tuple[Request, bool]:
    """The request and whether the actor sees it as staff; 404 for anyone but its ward's staff and its requester."""
    found = _one(code)
    if can_manage_ward(actor, found.ward_id):
        return found, True
    if found.requester_id is not None and found.requester_id == actor.pk:
        return found, False
    raise _not_found(code)


def _for_staff(actor, code: str) -> Request:
    found, _staff = _visible(actor, code)
    require_ward(actor, found.ward, _("地域課題"))  # its requester: 403, with the ward named
    return found


def _reread(request: Request) -> Request:
    return _one(request.service_request_id)


def _category(service_code: str) -> Category:
    category = queries.category_by_service_code(service_code, public_only=False)
    if category is None:
        raise NotFound(
            _("service_code %(code)s のサービスはありません") % {"code": service_code},
            code="requests.no_category",
        )
    return category


def _change(request, found: Request, to: str, payload, **fields):
    changed = actions.change_status(
        actor=request.auth,
        request=found,
        to=to,
        expected_version=payload.expected_version,
        public_note=payload.public_note,
        internal_note=payload.internal_note,
        **fields,
    )
    return _detail(_reread(changed), True)


def _summary(found: Request) -> dict:
    late = found.late if hasattr(found, "late") else queries.is_late(found)
    return {
        "code": found.service_request_id,
        "label": found.label,
        "ward": found.ward.name,
        "ward_code": found.ward.code,
        "fiscal_year": found.fiscal_year,
        "number": found.number,
        "category": found.category.name,
        "category_code": f"{found.ward.code}-{found.category.code}",
        "status": found.status,
        "status_label": str(Request.Status(found.status).label),
        "school_district": found.school_district,
        "created_at": local_time(found.created_at),
        "acknowledge_by": found.acknowledge_by,
        "acknowledged_at": local_time(found.acknowledged_at),
        "expected_by": found.expected_by,
        "resolved_at": local_time(found.resolved_at),
        "late": late,
        "version": found.version,
    }


def _detail(found: Request, staff: bool) -> dict:
    history = list(found.updates.all())
    money = None
    fund = None
    if staff:
        money = queries.expenditures_of(found)
        left = queries.fund_left(found)
        if left is not None:
            fund = {
                "project": left.project_id,
                "budget_yen": left.budget_yen,
                "settled_yen": left.settled_yen,
                "unsettled_yen": left.unsettled_yen,
                "left_yen": left.left_yen,
                "overdrawn": left.overdrawn,
            }
    return _summary(found) | {
        "description": found.description,
        "address": found.address,
        "latitude": float(found.latitude) if found.latitude is not None else None,
        "longitude": float(found.longitude) if found.longitude is not None else None,
        "attributes": found.attributes or {},
        "public_reason": found.public_reason,
        "referred_to": found.referred_to,
        "duplicate_of": found.duplicate_of.service_request_id if found.duplicate_of_id else None,
        "on_behalf": found.on_behalf,
        "caller_name": found.caller_name if staff else None,
        "caller_phone": found.caller_phone if staff else None,
        "followers": found.followers.count(),
        "history": [
            {
                "at": local_time(update.at),
                "from_status": update.from_status,
                "to_status": update.to_status,
                "public_note": update.public_note,
                "internal_note": update.internal_note if staff else None,
            }
            for update in history
        ],
        "expenditures": None if money is None else [_expenditure_out(row) for row in money],
        "spent_yen": None if money is None else sum(row.signed_yen for row in money),
        "fund": fund,
    }


def _expenditure_out(row: Expenditure) -> dict:
    refundable = getattr(row, "refundable_yen", None)
    if row.kind == Expenditure.Kind.PAYMENT and refundable is None:
        refundable = row.amount_yen - actions.refunded_yen(row)
    return {
        "id": row.pk,
        "kind": row.kind,
        "section": row.section,
        "section_label": str(ExpenseSection(row.section).label),
        "payee": row.payee,
        "paid_on": row.paid_on,
        "amount_yen": row.amount_yen,
        "signed_yen": row.signed_yen,
        "order_number": row.order_number,
        "note": row.note,
        "refund_of": row.refund_of_id,
        "refundable_yen": refundable if row.kind == Expenditure.Kind.PAYMENT else None,
        "overdraw_reason": row.overdraw_reason,
        "recorded_at": local_time(row.recorded_at),
    }
