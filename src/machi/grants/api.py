"""The grants' JSON API: the programmes with their tracks, a grant quote, and one's own applications.

Programmes and quotes are public: a group can see what it would receive before it signs
in (the application form shows the same figure as people type). The quote runs the one
grant rule (`grants.rules.compute_grant`), so the API, the pages and the decision never
disagree. Amounts are integer yen; a rate is a fraction, never a float.
"""

from django.db.models import Max, Q, Sum
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict, StrictInt

from machi.api_errors import ErrorOut, ValidationErrorOut
from machi.api_support import (
    MAX_ID,
    PUBLIC,
    BodyIn,
    YearFilter,
    local_iso,
    row_id,
    ward_fields,
    ward_filter,
    year_fields,
)
from machi.core.errors import NotFound, Refused
from machi.core.money import MAX_YEN
from machi.grants.models import Application, GrantProgramme
from machi.grants.queries import with_money_left
from machi.grants.rules import compute_grant
from machi.ledger.api import ward_in_query

router = Router(tags=["grants"])
# Schema names are global in the OpenAPI document: each is prefixed so none shadows another app's.

ProgrammeId = row_id("補助金の制度の id")
WardFilter = ward_filter("区名（西区）または団体コード（431036）で絞り込む")


class GrantTrackOut(Schema):
    id: int
    name: str = Field(description="区分名（身近な課題解決対応、モデル事業 …）")
    rate: str = Field(description="補助率（分数、例: 1/3）", examples=["1/3"])
    rate_numerator: int = Field(description="補助率の分子")
    rate_denominator: int = Field(description="補助率の分母")
    cap: int = Field(description="上限額（円）")
    rounding: str = Field(description="端数の扱い: floor_1000 千円未満切り捨て / floor_100 / floor_1")


class ExpenseCategoryOut(Schema):
    id: int
    name: str = Field(description="費目（謝礼金、消耗品費 …）")
    eligible: bool = Field(description="補助の対象になる費目か（飲食費などは対象外）")


class GrantProgrammeOut(Schema):
    id: int
    name: str
    ward: str = Field(description="区名")
    ward_code: str = Field(description="区の全国地方公共団体コード")
    fiscal_year: int = Field(description="年度（西暦）")
    fiscal_year_label: str = Field(description="和暦の年度（令和4年度）")
    project: int = Field(description="補助金を支出する台帳の事業の id（/api/projects/{id}）")
    description: str
    opens_at: str = Field(description="申請の受付開始（ISO 8601、日本時間）")
    closes_at: str = Field(description="申請の受付締切（この時刻より前まで）")
    envelope: int | None = Field(description="交付の総額の上限（円）: 事業の2月補正後、なければ当初予算")
    settled: int = Field(description="事業の決算額（円）: 支払済みの補助金を含み、返還を差し引いた額")
    committed_unpaid: int = Field(description="交付決定済み（確定済み）でまだ支払っていない額（円）")
    left: int | None = Field(
        description="予算の残り（円）= envelope − settled − committed_unpaid。台帳の事業（/api/projects/{id}）の "
        "money_left と同じ。null は予算なし、負は予算を超えて決定済み"
    )
    tracks: list[GrantTrackOut]
    categories: list[ExpenseCategoryOut]


class GrantQuoteIn(BodyIn):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"track": 1, "eligible_expenses": 600000}]}
    )

    track: StrictInt = Field(ge=1, le=MAX_ID, description="区分の id（この制度の区分）")
    eligible_expenses: StrictInt = Field(ge=0, le=MAX_YEN, description="補助対象経費（円、0以上の整数）")


class GrantQuoteOut(Schema):
    grant: int = Field(
        description="補助金の額（円）= min(補助対象経費 × 補助率, 上限額) を区分の単位で切り捨て"
    )
    track: int
    eligible_expenses: int


class GrantApplicationOut(Schema):
    id: int
    number: str = Field(description="申請番号")
    programme: int = Field(description="制度の id")
    programme_name: str
    ward: str
    track: int = Field(description="区分の id")
    track_name: str
    group: int = Field(description="団体の id")
    group_name: str
    title: str = Field(description="事業名")
    status: str = Field(
        description="draft / changes_requested / submitted / under_review / decided / rejected / "
        "reported / confirmed / paid / withdrawn"
    )
    status_label: str = Field(description="状態（日本語）")
    planned_expenses: int = Field(description="予算の経費の合計（円）")
    planned_eligible_expenses: int = Field(description="うち補助対象経費（円）")
    planned_grant: int = Field(description="予算の補助対象経費から算定した補助金の額（円）")
    decided: int | None = Field(description="交付決定額（円）。決定前は null")
    confirmed: int | None = Field(description="確定額（円）。確定前は null")
    paid: int | None = Field(description="支払額（円）。支払前は null")
    rejection_reason: str
    created_at: str
    submitted_at: str | None


@router.get(
    "/grants/programmes",
    auth=PUBLIC,
    response={200: list[GrantProgrammeOut], 400: ValidationErrorOut},
    summary="補助金の制度の一覧（区分・補助率・上限額・費目つき）",
)
def list_programmes(request, year: YearFilter = None, ward: WardFilter = None):
    programmes = GrantProgramme.objects.with_details().prefetch_related("categories")
    if year is not None:
        programmes = programmes.for_year(year)
    if ward is not None:
        programmes = programmes.in_ward(ward_in_query(ward))
    return [
        _programme_out(p) for p in with_money_left(programmes.order_by("-fiscal_year", "ward__code", "id"))
    ]


@router.post(
    "/grants/programmes/{programme_id}/quote",
    auth=PUBLIC,
    response={200: GrantQuoteOut, 400: ValidationErrorOut, 404: ErrorOut},
    summary="補助金の額を試算する",
    description=(
        "区分と補助対象経費から、交付される補助金の額を返す（申請の画面で入力に合わせて表示するものと同じ計算）。"
        "この制度の区分でなければ 400、制度がなければ 404。"
    ),
)
def quote(request, programme_id: ProgrammeId, payload: GrantQuoteIn):
    programme = GrantProgramme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise NotFound(_("補助金の制度が見つかりません（id: %(id)s）") % {"id": programme_id})
    track = programme.tracks.filter(pk=payload.track).first()
    if track is None:
        raise Refused(
            _("区分（id: %(track)s）はこの制度（%(programme)s）の区分ではありません")
            % {"track": payload.track, "programme": programme.name},
            code="invalid",
        )
    grant = compute_grant(track, payload.eligible_expenses)
    return {"grant": grant, "track": track.pk, "eligible_expenses": payload.eligible_expenses}


@router.get(
    "/grants/applications/mine",
    response={200: list[GrantApplicationOut], 401: ErrorOut},
    summary="自分の補助金の申請の一覧",
    description="自分が申請したもの、または自分が代表者・構成員である団体の申請（取下げ・不交付も含む）。",
)
def my_applications(request):
    applications = (
        Application.objects.of_person(request.auth)
        .with_details()
        .annotate(
            planned_total=Sum("expenses__amount_yen", filter=Q(expenses__phase="planned"), default=0),
            planned_eligible=Sum(
                "expenses__amount_yen",
                filter=Q(expenses__phase="planned", expenses__category__eligible=True),
                default=0,
            ),
            paid_yen=Max("payment__amount_yen"),
        )
        .order_by("-created_at", "-id")
    )
    return [_application_out(a) for a in applications]


def _programme_out(programme: GrantProgramme) -> dict:
    return {
        "id": programme.pk,
        "name": programme.name,
        **ward_fields(programme.ward),
        **year_fields(programme.fiscal_year),
        "project": programme.project_id,
        "description": programme.description,
        "opens_at": local_iso(programme.opens_at),
        "closes_at": local_iso(programme.closes_at),
        "envelope": programme.envelope_yen,
        "settled": programme.money.settled_yen,
        "committed_unpaid": programme.money.unsettled_yen,
        "left": programme.money.left_yen,
        "tracks": [
            {
                "id": track.pk,
                "name": track.name,
                "rate": track.rate,
                "rate_numerator": track.rate_numerator,
                "rate_denominator": track.rate_denominator,
                "cap": track.cap_yen,
                "rounding": track.rounding,
            }
            for track in programme.tracks.all()
        ],
        "categories": [
            {"id": category.pk, "name": category.name, "eligible": category.eligible}
            for category in programme.categories.all()
        ],
    }


def _application_out(application: Application) -> dict:
    return {
        "id": application.pk,
        "number": application.number,
        "programme": application.programme_id,
        "programme_name": application.programme.name,
        "ward": application.programme.ward.name,
        "track": application.track_id,
        "track_name": application.track.name,
        "group": application.group_id,
        "group_name": application.group.name,
        "title": application.title,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "planned_expenses": application.planned_total,
        "planned_eligible_expenses": application.planned_eligible,
        "planned_grant": compute_grant(application.track, int(application.planned_eligible)),
        "decided": application.decided_yen,
        "confirmed": application.confirmed_yen,
        "paid": application.paid_yen,
        "rejection_reason": application.rejection_reason,
        "created_at": local_iso(application.created_at),
        "submitted_at": local_iso(application.submitted_at),
    }
