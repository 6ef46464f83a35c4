"""`machi grants …`: the grant's programmes and documents from the command line. Thin: the work is in
machi.grants.

machi grants programme create --ward 西区 --year 2026 --project-no 2 --name 地域コミュニティづくり支援補助金 \
    --opens 2026-04-01 --closes 2027-01-31 --track "一般:1/2:300000" [--category 謝礼金 --category 飲食費:対象外]
machi grants programme open --ward 西区 --year 2026 [--closes 2027-01-31]
machi grants programme close --ward 西区 --year 2026
machi grants notice --application G2022-00012 --kind decision -o 交付決定通知書.pdf
machi grants export --year 令和4年度 --ward 西区 --what payments -o payments.xlsx
"""

import datetime as dt
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.core.fiscal import parse_fiscal_year, wareki
from machi.core.management import MachiCommand
from machi.core.text import normalize
from machi.grants import actions, demo, documents, exports
from machi.grants.models import Application, GrantProgramme

# 申請番号 as notices print it (G2022-00012), or the bare id.
_NUMBER = re.compile(r"^(?:G(?P<year>\d{4})-)?(?P<id>\d+)$", re.IGNORECASE)


class Command(MachiCommand):
    help = "補助金の書類: 交付決定通知書・交付額確定通知書（notice）、申請一覧・支払いの XLSX（export）"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        notice = actions.add_parser("notice", help="申請の通知書を PDF で出力する")
        notice.add_argument("--application", required=True, help="申請番号（G2022-00012）または申請の ID")
        notice.add_argument("--kind", choices=sorted(documents.KINDS), required=True)
        notice.add_argument("-o", "--output", type=Path, required=True, help="出力先のファイル")

        export = actions.add_parser("export", help="年度の申請一覧または支払いを XLSX で出力する")
        export.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
        export.add_argument("--ward", help="区名または団体コード（省略するとすべての区）")
        export.add_argument("--what", choices=("applications", "payments"), required=True)
        export.add_argument("-o", "--output", type=Path, required=True, help="出力先のファイル")

        programme = actions.add_parser(
            "programme", help="補助金の制度を作る（create）・受付を始める（open）・締め切る（close）"
        )
        steps = programme.add_subparsers(dest="step", required=True, parser_class=type(parser))
        create = steps.add_parser("create", help="制度を区分・費目・受付期間とともに作る")
        _which(create, name_required=True)
        create.add_argument("--project-no", required=True, help="補助金を支出する台帳の事業の No.")
        create.add_argument("--description", default="", help="制度の説明")
        create.add_argument(
            "--opens", required=True, help="受付開始（2026-04-01 はその日の0時、2026-04-01T09:00 も可）"
        )
        create.add_argument("--closes", required=True, help="受付締切（2027-01-31 はその日の終わりまで）")
        create.add_argument(
            "--track",
            action="append",
            required=True,
            help="区分「名前:補助率:上限額（円）」。例: 一般:1/2:300000（繰り返して複数）",
        )
        create.add_argument(
            "--category",
            action="append",
            help="費目。補助対象外は「飲食費:対象外」（繰り返して複数。省略すると標準の費目）",
        )
        create.add_argument("--user", help="この職員として（その区だけ）。省略時はシステム運用者として")
        opening = steps.add_parser("open", help="今から受付を始める（締切を変えることもできる）")
        _which(opening)
        opening.add_argument("--closes", help="新しい締切（2027-01-31 はその日の終わりまで）")
        opening.add_argument("--user")
        closing = steps.add_parser("close", help="今で受付を締め切る")
        _which(closing)
        closing.add_argument("--user")

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

    def handle_programme(self, *, step: str, **options):
        actor = SYSTEM if options.get("user") is None else acting_user(options["user"])
        try:
            if step == "create":
                done = self._create(actor, **options)
                verb = "作りました"
            else:
                programme = _programme(options["ward"], options["year"], options.get("name"))
                if step == "open":
                    closes = _moment(options["closes"], end_of_day=True) if options.get("closes") else None
                    done = actions.open_programme(actor=actor, programme=programme, closes_at=closes)
                    verb = "受付を始めました"
                else:
                    done = actions.close_programme(actor=actor, programme=programme)
                    verb = "受付を締め切りました"
        except ValidationError as refusal:
            raise CommandError("。".join(refusal.messages)) from None
        opens, closes = timezone.localtime(done.opens_at), timezone.localtime(done.closes_at)
        self.stdout.write(
            f"{done}（受付 {opens:%Y-%m-%d %H:%M}〜{closes:%Y-%m-%d %H:%M}、"
            f"区分 {done.tracks.count()} 件、費目 {done.categories.count()} 件）を{verb}"
        )

    def _create(
        self, actor, *, ward, year, name, project_no, description, opens, closes, track, category, **_
    ):
        from machi.ledger.models import Project
        from machi.ledger.queries import ward_named

        found = ward_named(ward)
        if found is None:
            raise CommandError(f"区「{ward}」が見つかりません")
        fiscal_year = _year(year)
        try:
            no = int(normalize(project_no))
        except ValueError:
            raise CommandError(f"事業の No. は数字です: {project_no!r}") from None
        project = (
            Project.objects.select_related("programme__ward")
            .filter(programme__ward=found, programme__fiscal_year=fiscal_year, no=no)
            .first()
        )
        if project is None:
            raise CommandError(f"{wareki(fiscal_year)} {found.name}に No.{no} の事業はありません")
        programme = GrantProgramme(
            ward=found,
            fiscal_year=fiscal_year,
            project=project,
            name=name,
            description=description,
            opens_at=_moment(opens),
            closes_at=_moment(closes, end_of_day=True),
        )
        tracks = [_track(text) for text in track]
        categories = (
            [_category(text) for text in category]
            if category
            else [actions.CategoryInput(name=n, eligible=e) for n, e in demo.CATEGORIES]
        )
        return actions.set_up_programme(
            actor=actor, programme=programme, tracks=tracks, categories=categories
        )

    def handle_notice(self, *, application: str, kind: str, output: Path, **_):
        chosen = _application(application)
        try:
            notice = documents.notice(chosen, kind)
        except documents.NoticeUnavailable as refusal:
            raise CommandError(refusal.messages[0]) from None
        output.write_bytes(notice.content)
        self.stdout.write(f"{output} に {notice.number} を出力しました（{len(notice.content):,} バイト）")

    def handle_export(self, *, year: str, ward: str | None, what: str, output: Path, **_):
        try:
            fiscal_year = parse_fiscal_year(year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        programmes = list(exports.programmes_of(fiscal_year, normalize(ward) if ward else None))
        if not programmes:
            where = f"{ward}の" if ward else ""
            raise CommandError(f"{wareki(fiscal_year)}の{where}補助金の制度がありません")
        write = exports.applications_xlsx if what == "applications" else exports.payments_xlsx
        with output.open("wb") as stream:
            count = write(programmes, stream)
        label = "申請" if what == "applications" else "支払い・返還"
        self.stdout.write(f"{output} に{label} {count} 件を出力しました")


def _application(text: str) -> Application:
    match = _NUMBER.match(normalize(text).strip())
    if match is None:
        raise CommandError(f"申請番号を読み取れません: {text!r}（例: G2022-00012）")
    found = Application.objects.with_details().filter(pk=int(match["id"]))
    if match["year"]:
        found = found.filter(programme__fiscal_year=int(match["year"]))
    application = found.first()
    if application is None:
        raise CommandError(f"申請 {text} が見つかりません")
    return application


def _which(parser, *, name_required: bool = False) -> None:
    parser.add_argument("--ward", required=True, help="区名または団体コード")
    parser.add_argument("--year", required=True, help="年度（2026、令和8年度 など）")
    parser.add_argument(
        "--name",
        required=name_required,
        help="制度の名称" + ("" if name_required else "（その区・年度に複数あるとき）"),
    )


def _year(text: str) -> int:
    try:
        return parse_fiscal_year(text)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _programme(ward: str, year: str, name: str | None) -> GrantProgramme:
    from machi.ledger.queries import ward_named

    found = ward_named(ward)
    if found is None:
        raise CommandError(f"区「{ward}」が見つかりません")
    fiscal_year = _year(year)
    programmes = GrantProgramme.objects.select_related("ward", "project__programme").filter(
        ward=found, fiscal_year=fiscal_year
    )
    if name:
        programmes = programmes.filter(name=name.strip())
    chosen = list(programmes[:2])
    if not chosen:
        raise CommandError(
            f"{wareki(fiscal_year)} {found.name}の補助金の制度{f'「{name}」' if name else ''}がありません"
        )
    if len(chosen) > 1:
        raise CommandError(
            f"{wareki(fiscal_year)} {found.name}には制度が複数あります。--name で選んでください"
        )
    return chosen[0]


def _moment(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """2026-04-01 (the day's start; with `end_of_day`, the next day's start) or 2026-04-01T09:00, in Japan time."""
    text = normalize(text).strip()
    tz = timezone.get_default_timezone()
    try:
        if "T" in text or " " in text:
            return dt.datetime.fromisoformat(text).replace(tzinfo=tz)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"日時を読み取れません: {text!r}（例: 2026-04-01 または 2026-04-01T09:00）"
        ) from None
    if end_of_day:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


_TRACK = re.compile(r"^(?P<name>.+):(?P<numerator>\d+)/(?P<denominator>\d+):(?P<cap>[\d,]+)$")


def _track(text: str) -> "actions.TrackInput":
    match = _TRACK.match(normalize(text).strip())
    if match is None:
        raise CommandError(f"区分を読み取れません: {text!r}（「名前:補助率:上限額」、例: 一般:1/2:300000）")
    return actions.TrackInput(
        name=match["name"].strip(),
        rate_numerator=int(match["numerator"]),
        rate_denominator=int(match["denominator"]),
        cap_yen=int(match["cap"].replace(",", "")),
    )


def _category(text: str) -> "actions.CategoryInput":
    name, _sep, mark = normalize(text).strip().partition(":")
    if mark and mark.strip() not in ("対象外", "対象"):
        raise CommandError(f"費目を読み取れません: {text!r}（例: 謝礼金、飲食費:対象外）")
    return actions.CategoryInput(name=name.strip(), eligible=mark.strip() != "対象外")
