"""`machi demo`'s residents' requests: in every ward, the kinds of problem its quick-response fund
answers, and illustrative requests in every state, each saying in its description that it is demo.

**Categories** (5 or 6 a ward: 道路の破損, 街灯の不点灯 with its own Open311 questions — the pole's number
and what the light does —, 公園遊具の破損, 不法投棄, 危険な空き家, and one of the ward's own), paid from the
ward's quick-response fund: 中央区 No.15 課題対応経費, 東区 No.21 地域活性化支援事業, 西区 No.3 地域ニーズ対応経費,
南区 No.16 地域課題対応費, 北区 No.8 緊急課題対応費. A category names one fund project: the current year's
(the same No. on the demo programme `ledger.demo` carries forward), since requests come in now; where
there is no current-year demo programme (the ledger's demo makes one only after FY2022), FY2022's.

**Requests**, phoned in by made-up callers (000- numbers) and entered by the system operator, submitted
over the last weeks: 受付, 確認中, 対応中 (one late: it shows as overdue), 対応済 (one of them reopened by its
caller), 対応不可 with its public reason, 引継ぎ (to 空家対策課), 重複 (of an open one) and 取下げ, with public
and internal notes. Their coordinates are illustrative places in the ward. The description, which only
staff and the requester see, starts with 【デモ】, and so does every public note and reason, which anyone
sees. Each step goes through the requests' own actions (`submit_request`, `change_status`, `reopen`,
`withdraw`) with the day it happened as `now`; the history rows are then dated that day too, so the
timeline reads as it would have.

**Money**: the resolved ones record what the answer cost (`record_expenditure`) on the current year's
demo fund only. FY2022's 決算額 stays exactly as the seed prints it: no expenditure ever goes to FY2022.

Safe to run again: a category is matched by its ward and code, a request by its ward and description,
so a second run changes nothing and says so.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from machi.audit.actions import record
from machi.core.fiscal import fiscal_year_bounds, fiscal_year_of, wareki
from machi.requests import actions
from machi.requests.models import Category, Request, RequestUpdate

DEMO_PREFIX = "【デモ】"
DEMO_NOTE = "※デモ用の種類です（実際の受付ではありません）。"
PAST_YEAR = 2022
# The quick-response fund (課題対応経費) of each ward: its project No., the same in FY2022 and the
# current year's demo programme carried from it.
FUNDS = {"中央区": 15, "東区": 21, "西区": 3, "南区": 16, "北区": 8}
WARDS = tuple(FUNDS)


@dataclass(frozen=True)
class CategoryPlan:
    code: str
    name: str
    group: str
    target_days: int
    description: str
    attributes: tuple = ()


STREETLIGHT_ATTRIBUTES = (
    {
        "code": "pole_number",
        "label": "電柱・街灯の番号",
        "datatype": "string",
        "required": False,
        "description": "柱に貼られた番号（例: 中央 123）。分からなければ空欄で構いません。",
        "values": [],
    },
    {
        "code": "lamp_state",
        "label": "街灯の状態",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "いちばん近いものを選んでください。",
        "values": [
            {"key": "off", "name": "夜に点かない"},
            {"key": "blinking", "name": "点滅している"},
            {"key": "day", "name": "昼も点いている"},
        ],
    },
)

CATEGORIES = (
    CategoryPlan(
        "road",
        "道路の破損",
        "道路・交通",
        10,
        "道路の穴、段差、側溝のふたの破損など。国道・県道は道路管理者へ引き継ぎます。",
    ),
    CategoryPlan(
        "streetlight",
        "街灯の不点灯",
        "道路・交通",
        5,
        "夜に点かない、点滅する街灯（防犯灯）。柱の番号が分かればお知らせください。",
        STREETLIGHT_ATTRIBUTES,
    ),
    CategoryPlan(
        "park", "公園遊具の破損", "公園・緑地", 10, "公園の遊具、ベンチ、フェンスの破損や危ない箇所。"
    ),
    CategoryPlan(
        "dumping", "不法投棄", "環境・衛生", 7, "道路や空き地など、ごみステーション以外に捨てられたごみ。"
    ),
    CategoryPlan(
        "vacant_house",
        "危険な空き家",
        "住まい・防犯",
        15,
        "倒れそうな塀、崩れた屋根など、周りに危険のある空き家。所有者への対応は担当課へ引き継ぎます。",
    ),
)

# Each ward's own kind of problem (the 6th category).
OWN_CATEGORY = {
    "中央区": CategoryPlan("bicycle", "放置自転車", "道路・交通", 10, "歩道や公園に長く置かれたままの自転車。"),
    "東区": CategoryPlan("drain", "側溝の詰まり", "道路・交通", 10, "側溝に土や落ち葉がたまり、水があふれるところ。"),
    "西区": CategoryPlan("trees", "樹木の張り出し", "公園・緑地", 10, "道路や公園の木の枝が張り出し、通行の妨げになっているところ。"),
    "南区": CategoryPlan("waterway", "水路のあふれ", "道路・交通", 10, "農業用水路や排水路の詰まり、雨のときのあふれ。"),
    "北区": CategoryPlan("trees", "樹木の張り出し", "公園・緑地", 10, "道路や公園の木の枝が張り出し、通行の妨げになっているところ。"),
}  # fmt: skip


# What callers say of the ward's own kind of problem (the plans' "withdrawn" and "overdue" texts).
OWN_TEXTS = {
    "bicycle": {"withdrawn": "歩道に自転車がずっと置かれたままです。", "overdue": "公園の入口に壊れた自転車が何台も置かれています。"},
    "drain": {"withdrawn": "側溝に落ち葉がたまっています。", "overdue": "大雨のたびに側溝から水があふれます。見に来てください。"},
    "trees": {"withdrawn": "木の枝が歩道に垂れ下がっています。", "overdue": "街路樹の枝がカーブミラーを隠して危ないです。"},
    "waterway": {"withdrawn": "水路にごみがたまっています。", "overdue": "大雨のたびに水路から水があふれ、道が冠水します。"},
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    name: str
    school_district: str
    latitude: str
    longitude: str


# Illustrative places in each ward (neighbourhoods, not the exact spot of any real report).
PLACES = {
    "中央区": (
        Place("水前寺公園の近く", "出水南校区", "32.790600", "130.734000"),
        Place("新町の電車通り", "慶徳校区", "32.803500", "130.699000"),
        Place("大江の住宅地", "大江校区", "32.796000", "130.729000"),
        Place("本荘の川沿い", "本荘校区", "32.790000", "130.715000"),
    ),
    "東区": (
        Place("健軍の商店街の近く", "健軍校区", "32.781000", "130.758000"),
        Place("長嶺の団地", "長嶺校区", "32.807000", "130.772000"),
        Place("戸島の農道沿い", "戸島校区", "32.803000", "130.792000"),
        Place("秋津の公園の近く", "秋津校区", "32.772000", "130.750000"),
    ),
    "西区": (
        Place("島崎の坂道", "島崎校区", "32.809000", "130.686000"),
        Place("花園の住宅地", "花園校区", "32.818000", "130.695000"),
        Place("高橋の川沿い", "高橋校区", "32.775000", "130.665000"),
        Place("小島の集落", "小島校区", "32.756000", "130.630000"),
    ),
    "南区": (
        Place("川尻の町並み", "川尻校区", "32.744000", "130.691000"),
        Place("田迎の住宅地", "田迎校区", "32.765000", "130.724000"),
        Place("富合の田園", "富合校区", "32.710000", "130.700000"),
        Place("城南町の住宅地", "隈庄校区", "32.693000", "130.741000"),
    ),
    "北区": (
        Place("植木の商店街の近く", "植木校区", "32.896000", "130.686000"),
        Place("清水の住宅地", "清水校区", "32.829000", "130.717000"),
        Place("武蔵ヶ丘の団地", "武蔵ヶ丘校区", "32.849000", "130.750000"),
        Place("龍田の公園の近く", "龍田校区", "32.833000", "130.749000"),
    ),
}


@dataclass(frozen=True)
class Step:
    to: str  # a status staff move to, or "reopen" / "withdraw" (the caller's own)
    days: int  # after the submission
    public: str = ""
    internal: str = ""
    reason: str = ""
    referred_to: str = ""
    duplicate_of: int | None = None  # the index of the open request in PLANS


@dataclass(frozen=True)
class Cost:
    section: str  # ExpenseSection
    payee: str
    amount_yen: int
    note: str


@dataclass(frozen=True)
class RequestPlan:
    category: str  # a code; "own" = the ward's own category
    place: int
    text: str
    days_ago: int
    steps: tuple[Step, ...] = ()
    cost: Cost | None = None
    attributes: dict = field(default_factory=dict)


PLANS = (
    RequestPlan("road", 0, "歩道の舗装がはがれて穴があいています。自転車が避けて車道に出ています。", 40, (
        Step("checking", 1, "現地を確認しました。補修を手配します。", "穴は約30cm、深さ5cm。"),
        Step("in_progress", 3, "補修の工事を手配しました。", "見積り 4.8万円（課題対応経費）。"),
        Step("resolved", 8, "舗装を補修しました。", "完了写真は工事店から受領。"),
    ), Cost("construction", "（デモ）まちの舗装工事店", 48_400, "歩道舗装の部分補修")),
    RequestPlan("streetlight", 1, "街灯が夜になっても点きません。通学路なので暗くて心配です。", 20, (
        Step("checking", 1, "現地を確認しました。灯具の交換を手配します。"),
        Step("in_progress", 2, "電気工事店に交換を依頼しました。"),
        Step("resolved", 5, "灯具を交換し、点灯を確認しました。"),
        Step("reopen", 8, "また夜に点かなくなりました。"),
    ), Cost("supplies", "（デモ）まちの電気工事店", 16_500, "LED灯具の交換"),
        {"pole_number": "デモ 101", "lamp_state": "off"}),
    RequestPlan("park", 2, "公園のすべり台の手すりがぐらついています。", 12, (
        Step("checking", 1, "現地を確認しました。"),
        Step("in_progress", 2, "使用禁止の表示をしました。部品を取り寄せています。", "業者見積り 3.3万円、部品の納期2週間。"),
    )),
    RequestPlan("dumping", 3, "空き地に冷蔵庫とタイヤが捨てられています。", 30, (
        Step("checking", 1, "現地を確認しました。"),
        Step("resolved", 4, "回収しました。警察と連携して見回りを続けます。", "警察に情報提供済み。"),
    ), Cost("commission", "（デモ）まちの清掃事業者", 27_500, "不法投棄物の回収・処分")),
    RequestPlan("vacant_house", 0, "空き家のブロック塀が傾いていて、通学路に倒れそうです。", 25, (
        Step("checking", 1, "現地を確認しました。注意の表示をしました。"),
        Step("referred", 3, "所有者への対応は空家対策課が行います。引き継ぎました。", referred_to="熊本市 空家対策課"),
    )),
    RequestPlan("road", 3, "家の前の私道のくぼみに水がたまります。直してください。", 18, (
        Step("declined", 2, reason="私道（個人の土地）のため、市では補修できません。私道の補修には助成制度がありますので、区役所へご相談ください。"),
    )),
    RequestPlan("park", 2, "公園のすべり台が壊れているようです。", 9, (
        Step("duplicate", 1, "先に受け付けた同じ場所の申出で対応しています。", duplicate_of=2),
    )),
    RequestPlan("own", 1, "withdrawn", 6, (Step("withdraw", 1),)),
    RequestPlan("own", 2, "overdue", 21, (
        Step("checking", 2, "現地を確認しました。対応を検討しています。", "担当課と協議中。"),
    )),
    RequestPlan("streetlight", 3, "街灯が点いたり消えたりしています。", 0, (),
        attributes={"lamp_state": "blinking"}),
)  # fmt: skip


@dataclass
class DemoReport:
    fiscal_year: int | None = None
    categories: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: int = 0
    spent: int = 0
    spent_yen: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.categories or self.created or self.spent)

    def summary(self) -> str:
        if self.fiscal_year is None:
            return "デモの地域課題: 課題対応経費の事業がないため、作成しません"
        year = wareki(self.fiscal_year)
        if self.fiscal_year and self.fiscal_year != PAST_YEAR:
            money = f"、支出 {self.spent} 件 {self.spent_yen:,} 円（{year}のデモの課題対応経費）"
        else:
            money = f"、支出なし（{wareki(PAST_YEAR)}の決算額はそのまま）"
        return (
            f"デモの地域課題（{year}）: 種類 新規 {len(self.categories)} 件、"
            f"受付 新規 {len(self.created)} 件、変更なし {self.unchanged} 件{money}"
        )


def load(*, actor, now: datetime.datetime | None = None) -> DemoReport:
    """Categories and requests in every ward, all or nothing."""
    from machi.ledger.models import Project

    now = now or timezone.now()
    report = DemoReport()
    year = fiscal_year_of(now)
    funds = _funds(Project, year)
    if not funds:
        return report
    report.fiscal_year = next(iter(funds.values())).programme.fiscal_year
    spend = report.fiscal_year == year and year != PAST_YEAR
    with transaction.atomic():
        for ward_name in WARDS:
            fund = funds.get(ward_name)
            if fund is None:
                continue
            categories = _ensure_categories(actor, fund, report)
            _ensure_requests(actor, fund.programme.ward, categories, now=now, spend=spend, report=report)
    return report


def _funds(Project, year: int) -> dict:
    """Each ward's quick-response fund project: the current year's demo one, else FY2022's."""
    for fiscal_year, demo in ((year, True), (PAST_YEAR, False)):
        found = {
            p.programme.ward.name: p
            for p in Project.objects.filter(
                programme__fiscal_year=fiscal_year, programme__is_demo=demo
            ).select_related("programme__ward")
            if FUNDS.get(p.programme.ward.name) == p.no
        }
        if found:
            return found
    return {}


def _ensure_categories(actor, fund, report: DemoReport) -> dict[str, Category]:
    ward = fund.programme.ward
    plans = (*CATEGORIES, OWN_CATEGORY[ward.name])
    existing = {c.code: c for c in Category.objects.filter(ward=ward, code__in=[p.code for p in plans])}
    for plan in plans:
        if plan.code in existing:
            continue
        category = Category.objects.create(
            ward=ward,
            code=plan.code,
            name=plan.name,
            group=plan.group,
            description=f"{plan.description}\n{DEMO_NOTE}",
            target_days=plan.target_days,
            fund=fund,
            attributes=list(plan.attributes),
        )
        record(
            actor=actor,
            action="requests.category_create",
            obj=category,
            before=None,
            after={"code": category.code, "name": category.name, "fund": fund.pk, "demo": True},
        )
        existing[plan.code] = category
        report.categories.append(f"{ward.name} {plan.name}")
    existing["own"] = existing[OWN_CATEGORY[ward.name].code]
    return existing


def _ensure_requests(actor, ward, categories, *, now, spend: bool, report: DemoReport) -> None:
    made: dict[int, Request] = {}
    start = datetime.datetime.combine(
        fiscal_year_bounds(fiscal_year_of(now))[0], datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    for n, plan in enumerate(PLANS):
        place = PLACES[ward.name][plan.place]
        text = OWN_TEXTS.get(categories[plan.category].code, {}).get(plan.text, plan.text)
        description = f"{DEMO_PREFIX}{place.name}: {text}"
        found = Request.objects.filter(ward=ward, description=description).first()
        if found is not None:
            made[n] = found
            report.unchanged += 1
            continue
        day = timezone.localtime(now) - datetime.timedelta(days=plan.days_ago)
        submitted = min(now, max(start, day.replace(hour=10, minute=n, second=0, microsecond=0)))
        request = actions.submit_request(
            actor=actor,
            category=categories[plan.category],
            description=description,
            latitude=place.latitude,
            longitude=place.longitude,
            school_district=place.school_district,
            caller_name=f"デモ申出者{n + 1}",
            caller_phone=f"000-0000-{n + 1:04d}",
            attributes=plan.attributes,
            now=submitted,
        )
        _date_last_update(request, submitted)
        for step in plan.steps:
            when = min(now, submitted + datetime.timedelta(days=step.days, hours=4))
            request = _take(actor, request, step, when, made)
            if step.to == "resolved" and spend and plan.cost is not None:
                _spend(actor, request, plan.cost, paid_on=timezone.localtime(when).date())
                report.spent += 1
                report.spent_yen += plan.cost.amount_yen
        made[n] = request
        report.created.append(request.label)


def _take(actor, request: Request, step: Step, when, made: dict[int, Request]) -> Request:
    if step.to == "reopen":
        request = actions.reopen(actor=actor, request=request, public_note=_demo(step.public), now=when)
    elif step.to == "withdraw":
        request = actions.withdraw(actor=actor, request=request)
    else:
        request = actions.change_status(
            actor=actor,
            request=request,
            to=step.to,
            expected_version=request.version,
            public_note=_demo(step.public),
            internal_note=step.internal,
            reason=_demo(step.reason),
            referred_to=step.referred_to,
            duplicate_of=made.get(step.duplicate_of) if step.duplicate_of is not None else None,
            now=when,
        )
    _date_last_update(request, when)
    return request


def _demo(public_text: str) -> str:
    """What the public reads (notes, reasons) says it is demo too: they never see the description."""
    return f"{DEMO_PREFIX}{public_text}" if public_text else ""


def _date_last_update(request: Request, when: datetime.datetime) -> None:
    """The history row just written, dated the day the demo says it happened."""
    last = RequestUpdate.objects.filter(request=request).order_by("-id").values_list("pk", flat=True)[:1]
    RequestUpdate.objects.filter(pk__in=list(last)).update(at=when)


def _spend(actor, request: Request, cost: Cost, *, paid_on: datetime.date) -> None:
    """What the answer cost, on the current year's demo fund (never FY2022's: its 決算額 is the seed's)."""
    actions.record_expenditure(
        actor=actor,
        request=request,
        section=cost.section,
        payee=cost.payee,
        paid_on=paid_on,
        amount_yen=cost.amount_yen,
        order_number=f"デモ-{request.ward.code}-{request.number:04d}",
        note=cost.note,
    )
