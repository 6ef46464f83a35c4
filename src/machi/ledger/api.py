"""The ledger's JSON API: wards, ward-year programmes, projects and their figure history.

Reads are public. Figures change through PATCH /api/projects/{id}, for staff of the
project's ward or a city administrator (the scope is checked in `set_figures`, as for
the web and the command line), and each change lands in the project's history.

Amounts are integer yen; null means "not budgeted" (―) and is never 0. Derived
figures (execution_rate, unused) are computed on the way out, as on the pages.
Datetimes are ISO 8601 in Asia/Tokyo (+09:00). Every list runs a fixed number of
queries, however many rows it returns.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, StrictInt, StrictStr, field_validator, model_validator

from machi.api_errors import AUTH_ERRORS, ErrorOut, ValidationErrorOut
from machi.api_support import (
    PUBLIC,
    BodyIn,
    SearchText,
    YearFilter,
    invalid_query,
    local_time,
    row_id,
    ward_fields,
    ward_filter,
    year_fields,
)
from machi.core.errors import NotFound
from machi.core.text import normalize
from machi.ledger.actions import set_figures
from machi.ledger.models import Pillar, Programme, Project, Ward
from machi.ledger.queries import PublicChange, Totals, money_left, public_history, ward_named

router = Router(tags=["ledger"])

Yen = Annotated[int | None, Field(description="円（整数）。null は予算の計上なし（0 とは異なる）")]
ProjectStatus = Literal["新規", "継続", "拡充"]
StageName = Literal["initial", "revised", "settled"]
FiscalYear = Annotated[int, Field(description="年度（西暦、4月始まり）。2022 は令和4年度")]
# The importers refuse amounts beyond this too: no ward budget comes near it, and it stays in a bigint.
MAX_YEN = 10**15
YenIn = Annotated[
    StrictInt | None,
    Field(ge=0, le=MAX_YEN, description="円（0以上の整数）。null は予算の計上なし。省略した金額は変わらない"),
]
RowId = row_id("事業の id")
WardFilter = ward_filter("区名（中央区）または団体コード（431010）で絞り込む")
_CONTROL = {chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}


class WardOut(Schema):
    code: str = Field(description="全国地方公共団体コード（検査数字つき6桁）")
    name: str
    name_en: str


class PillarOut(Schema):
    position: int
    name: str
    description: str


class TotalsOut(Schema):
    initial: Yen
    revised: Yen
    settled: Yen
    execution_rate: float | None = Field(description="執行率 = 決算額 ÷ 2月補正後（比。0.95 は 95%）")
    unused: Yen = Field(description="不用額 = 2月補正後 − 決算額（円）")


class ProgrammeOut(Schema):
    ward: str = Field(description="区名")
    ward_code: str
    fiscal_year: FiscalYear
    fiscal_year_label: str = Field(description="和暦の年度（令和4年度）")
    allocation: Yen = Field(description="配分額（円）")
    vision: str = Field(description="めざす区の姿")
    priorities: list[str] = Field(description="重点的取組・方針（1行に1項目）")
    pillars: list[PillarOut] = Field(description="柱（基本方針）、表示順")
    project_count: int
    totals: TotalsOut = Field(description="事業の合計（― の事業は数えない）")
    is_demo: bool = Field(description="デモ用のデータ（machi demo が作った年度計画で、実際の予算ではない）")


class ProjectOut(Schema):
    id: int
    fiscal_year: FiscalYear
    ward: str = Field(description="区名")
    ward_code: str
    no: int | None
    name: str
    status: ProjectStatus | None = Field(description="区分（新規・継続・拡充）。null は区分なし")
    pillar: str | None = Field(description="柱の名前")
    description: str
    themes: list[str]
    initial: Yen = Field(description="当初予算（円）")
    revised: Yen = Field(description="2月補正後の予算現額（円）")
    settled: Yen = Field(description="決算額（円）")
    execution_rate: float | None = Field(description="執行率 = 決算額 ÷ 2月補正後（比）")
    unused: Yen = Field(description="不用額 = 2月補正後 − 決算額（円）。負は決算額が上回ったこと")
    settled_exceeds_revised: bool = Field(
        description="決算額が2月補正後を上回る（流用などによる。誤りではない）"
    )


class FigureChangeOut(Schema):
    stage: StageName = Field(description="initial 当初予算 / revised 2月補正後 / settled 決算額")
    old: Yen
    new: Yen
    change: int | None = Field(
        description="増減（円）= new − old。負は減ったこと（戻入・取消、ページでは△）。― は 0 として数える（null は ― のまま変わらないとき）"
    )
    changed_at: dt.datetime = Field(description="変更日時（ISO 8601、+09:00）")
    changed_by: str = Field(
        description="変更した組織・役割（中央区役所、市役所、システム）。個人名・ユーザー名は公開しません"
    )
    reason: str = Field(
        description=(
            "公開する理由: サービスの計上は種類と番号（補助金の支払い（申請番号 G2022-00001））、取込は「取込」、"
            "職員の入力は段階ごとの決まった表記（当初予算の計上、2月補正、決算、訂正）。入力された理由の本文は職員向けです"
        )
    )


class OutcomeOut(Schema):
    source: str = Field(
        description="計上したサービス（facilities: 地域コミュニティセンターの予約システム、events: 催し・講座・訓練）"
    )
    metric: str = Field(
        description="指標のコード（bookings, hours-booked, utilisation, room-<id>__bookings, events-held, attendees, attendance-rate, first-time …）"
    )
    label: str = Field(description="指標名")
    value: float
    unit: str = Field(description="単位（件、時間、% など）")
    period_start: dt.date = Field(description="期間の初日")
    period_end: dt.date = Field(description="期間の末日")


class ProjectDetailOut(ProjectOut):
    history: list[FigureChangeOut] = Field(description="金額の変更履歴（古い順、追記のみ）")
    committed_unpaid: int = Field(
        description="補助金などのサービスが決定済みで、まだ支払っていない（決算額に入っていない）額（円）"
    )
    money_left: Yen = Field(
        description="予算の残り（円）=（2月補正後、なければ当初予算）− 決算額 − committed_unpaid。"
        "補助金のページ・API と同じ額。null は予算なし、負は予算を超えて決定済み"
    )
    outcomes: list[OutcomeOut] = Field(description="サービスが計上した成果（期間ごと。再計上で置き換わる）")


@router.get("/wards", auth=PUBLIC, response=list[WardOut], summary="区の一覧")
def list_wards(request):
    return Ward.objects.order_by("code")


@router.get(
    "/programmes",
    auth=PUBLIC,
    response={200: list[ProgrammeOut], 400: ValidationErrorOut},
    summary="区の年度計画（配分額・めざす区の姿・柱・合計）",
)
def list_programmes(request, year: YearFilter = None):
    programmes = (
        Programme.objects.with_totals()
        .prefetch_related(Prefetch("pillars", queryset=Pillar.objects.order_by("position")))
        .order_by("-fiscal_year", "ward__code")
    )
    if year is not None:
        programmes = programmes.for_year(year)
    return [_programme_out(p) for p in programmes]


@router.get(
    "/projects",
    auth=PUBLIC,
    response={200: list[ProjectOut], 400: ValidationErrorOut},
    summary="事業の一覧と金額",
)
def list_projects(
    request,
    year: YearFilter = None,
    ward: WardFilter = None,
    theme: Annotated[SearchText | None, Query(description="テーマ（防災、ICT …）で絞り込む")] = None,
):
    projects = Project.objects.for_listing()
    if year is not None:
        projects = projects.for_year(year)
    if ward is not None:
        projects = projects.filter(programme__ward=ward_in_query(ward))
    if theme is not None:
        projects = projects.filter(themes__name=normalize(theme))
    return [_project_out(p) for p in projects]


@router.get(
    "/projects/{project_id}",
    auth=PUBLIC,
    response={200: ProjectDetailOut, 400: ValidationErrorOut, 404: ErrorOut},
    summary="事業の金額と変更履歴",
)
def get_project(request, project_id: RowId):
    project = Project.objects.for_listing().filter(pk=project_id).first()
    if project is None:
        raise _not_found(project_id)
    return _project_detail_out(project)


class FiguresIn(BodyIn):
    """The figures to change, and why. A figure left out is unchanged; null means "not budgeted"."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # At least one figure: a body with only a reason changes nothing and is refused.
            "anyOf": [{"required": ["initial"]}, {"required": ["revised"]}, {"required": ["settled"]}],
            "examples": [{"settled": 1_750_000, "reason": "決算の確定"}],
        },
    )

    initial: YenIn = Field(None, description="当初予算（円）")
    revised: YenIn = Field(None, description="2月補正後の予算現額（円）")
    settled: YenIn = Field(None, description="決算額（円）")
    reason: StrictStr = Field(min_length=1, max_length=1000, description="変更の理由（履歴に残る）")
    below_commitments_reason: StrictStr = Field(
        "",
        max_length=1000,
        description=(
            "予算（2月補正後、なければ当初予算）をサービスの決定済みの額（補助金の交付決定など）より"
            "少なくする理由。省略するとそのような変更は 400（code: ledger.below_commitments）。"
            "理由つきの変更は監査ログに残り、`machi ledger check` に指摘として載る"
        ),
    )

    @field_validator("reason")
    @classmethod
    def reason_is_text(cls, value: str) -> str:
        if _CONTROL & set(value):
            raise ValueError("「reason」（変更の理由）に制御文字は使えません")
        if not normalize(value):
            raise ValueError("「reason」（変更の理由）を入力してください")
        return value.strip()

    @field_validator("below_commitments_reason")
    @classmethod
    def below_commitments_reason_is_text(cls, value: str) -> str:
        if _CONTROL & set(value):
            raise ValueError("「below_commitments_reason」（決定済みの額を下回る理由）に制御文字は使えません")
        return value.strip()

    @model_validator(mode="after")
    def some_figure_given(self):
        if not self.model_fields_set & {"initial", "revised", "settled"}:
            raise ValueError("変更する金額（initial・revised・settled）を1つ以上指定してください")
        return self

    def figures(self) -> dict[str, int | None]:
        """The figures given (a null kept as null), as `set_figures` names them."""
        given = self.model_fields_set & {"initial", "revised", "settled"}
        return {f"{name}_yen": getattr(self, name) for name in sorted(given)}


@router.patch(
    "/projects/{project_id}",
    response={200: ProjectDetailOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut},
    summary="事業の金額を変更する（当初予算・2月補正後・決算額）",
    description=(
        "その事業の区の職員か市の管理者だけが変更できます（それ以外は 403）。"
        "省略した金額は変わらず、null は「予算の計上なし」にします。変更は理由とともに履歴に追記されます。"
        "予算をサービスの決定済みの額（補助金の交付決定など）より少なくする変更は、"
        "below_commitments_reason でその理由を述べない限り 400（code: ledger.below_commitments）です。"
    ),
)
def update_project_figures(request, project_id: RowId, payload: FiguresIn):
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise _not_found(project_id)
    set_figures(
        project,
        actor=request.auth,
        reason=payload.reason,
        below_commitments_reason=payload.below_commitments_reason,
        **payload.figures(),
    )
    return _project_detail_out(Project.objects.for_listing().get(pk=project.pk))


def _not_found(project_id: int) -> NotFound:
    return NotFound(_("事業が見つかりません（id: %(id)s）") % {"id": project_id})


def _project_detail_out(project: Project) -> dict:
    history = public_history(project)
    outcomes = project.outcomes.order_by("source", "period_start", "period_end", "id")
    left = money_left(project)
    return {
        **_project_out(project),
        "committed_unpaid": left.unsettled_yen,
        "money_left": left.left_yen,
        "history": [_change_out(c) for c in history],
        "outcomes": [_outcome_out(o) for o in outcomes],
    }


def _outcome_out(outcome) -> dict:
    return {
        "source": outcome.source,
        "metric": outcome.metric,
        "label": outcome.label,
        "value": float(outcome.value),
        "unit": outcome.unit,
        "period_start": outcome.period_start,
        "period_end": outcome.period_end,
    }


def ward_in_query(text: str) -> Ward:
    """The ward a `ward` query parameter names (name or code), or a 400 that says so."""
    ward = ward_named(text)
    if ward is None:
        raise invalid_query(
            "ward", f"区「{text}」は登録されていません（区名か6桁の団体コードを指定してください）"
        )
    return ward


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _totals_out(totals) -> dict:
    return {
        "initial": totals.initial_yen,
        "revised": totals.revised_yen,
        "settled": totals.settled_yen,
        "execution_rate": _rate(totals.execution_rate),
        "unused": totals.unused_yen,
    }


def _programme_out(programme: Programme) -> dict:
    totals = Totals(programme.total_initial_yen, programme.total_revised_yen, programme.total_settled_yen)
    return {
        **ward_fields(programme.ward),
        **year_fields(programme.fiscal_year),
        "allocation": programme.allocation_yen,
        "vision": programme.vision,
        "priorities": [line.strip() for line in programme.priorities.splitlines() if line.strip()],
        "pillars": [
            {"position": p.position, "name": p.name, "description": p.description}
            for p in programme.pillars.all()
        ],
        "project_count": programme.project_count,
        "totals": _totals_out(totals),
        "is_demo": programme.is_demo,
    }


def _project_out(project: Project) -> dict:
    return {
        "id": project.pk,
        "fiscal_year": project.programme.fiscal_year,
        **ward_fields(project.programme.ward),
        "no": project.no,
        "name": project.name,
        "status": project.status or None,
        "pillar": project.pillar.name if project.pillar else None,
        "description": project.description,
        "themes": [theme.name for theme in project.themes.all()],
        "initial": project.initial_yen,
        "revised": project.revised_yen,
        "settled": project.settled_yen,
        "execution_rate": _rate(project.execution_rate),
        "unused": project.unused_yen,
        "settled_exceeds_revised": project.settled_exceeds_revised,
    }


def _change_out(change: PublicChange) -> dict:
    return {
        "stage": change.stage,
        "old": change.old_yen,
        "new": change.new_yen,
        "change": change.change_yen,
        "changed_at": local_time(change.changed_at),
        "changed_by": change.changed_by,
        "reason": change.reason,
    }
