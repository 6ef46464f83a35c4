"""`machi facilities import|export|post-usage|lottery`: centres in and out, usage posted to the ledger, a
centre's months put to lottery. Thin."""

import datetime
import re
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user, centre_named
from machi.accounts.scope import NotAllowed
from machi.core.errors import Conflict
from machi.core.fiscal import parse_fiscal_year, wareki
from machi.core.importing import ImportRefused
from machi.core.management import MachiCommand
from machi.core.text import normalize


class Command(MachiCommand):
    help = "地域コミュニティセンター: 取込（import）・出力（export）・利用実績の台帳への計上（post-usage）・抽選の設定（lottery）"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        importing = actions.add_parser(
            "import",
            help="公共施設一覧CSV（と部屋のCSV）、または centres.csv と rooms.csv のあるフォルダを取り込む（全件か無か）",
        )
        importing.add_argument("path", type=Path)
        importing.add_argument("--rooms", type=Path, help="部屋のCSV")
        importing.add_argument("--dry-run", action="store_true", help="変更内容を表示するだけで書き込まない")
        importing.add_argument("--user", help="この利用者として取り込む（その権限の範囲の区だけ）")

        exporting = actions.add_parser(
            "export", help="公共施設一覧CSV（UTF-8 BOM付き）または部屋のCSVを出力する"
        )
        exporting.add_argument("--ward", help="区名または団体コード（省略時は全区）")
        exporting.add_argument("--rooms", action="store_true", help="センターではなく部屋のCSVを出力する")
        exporting.add_argument("-o", "--output", type=Path, help="出力先（省略時は標準出力）")

        posting = actions.add_parser("post-usage", help="センターの利用実績を事業の成果として台帳に計上する")
        posting.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
        posting.add_argument(
            "--month", help="その年度の1か月だけ（2022-10 など）。省略時は年度全体（4月〜3月）"
        )
        posting.add_argument("--user", help="この利用者として計上する。省略時はシステム運用者として")

        lottery = actions.add_parser(
            "lottery", help="センターの月ごとの抽選を設定する（create）・一覧する（list）"
        )
        steps = lottery.add_subparsers(dest="lottery_action", required=True, parser_class=type(parser))
        creating = steps.add_parser(
            "create",
            help="対象月を抽選にする。日程の省略した部分はセンターの予約の受付期間から計算する",
        )
        creating.add_argument("--centre", required=True, help="センターの id または名称")
        creating.add_argument("--month", required=True, help="対象月（2027-02 など）")
        for option, what in LOTTERY_TIMES:
            creating.add_argument(option, help=f"{what}（2027-01-01T09:00 など、日本時間）")
        creating.add_argument("--max-choices", type=int, default=3, help="希望の数（1〜5、既定 3）")
        creating.add_argument("--user", help="この利用者として設定する（そのセンターを管理できる人）")
        listing = steps.add_parser("list", help="センターのこれからの月が抽選か先着順か、その日程を表示する")
        listing.add_argument("--centre", required=True, help="センターの id または名称")

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action.replace('-', '_')}")(**options)

    def handle_lottery(self, *, lottery_action: str, **options):
        return getattr(self, f"handle_lottery_{lottery_action}")(**options)

    def handle_lottery_create(
        self, *, centre: str, month: str, max_choices: int, user: str | None, **options
    ):
        from machi.facilities import lottery as lotteries

        found = centre_named(centre)
        actor = SYSTEM if user is None else acting_user(user)
        try:
            first = _month(month)
            times = lotteries.default_schedule(found, first)
            for option, _what in LOTTERY_TIMES:
                typed = options.get(option.lstrip("-").replace("-", "_"))
                if typed:
                    times[LOTTERY_FIELDS[option]] = _moment(typed)
            lottery = lotteries.create_lottery(
                actor=actor, centre=found, month=first, max_choices=max_choices, **times
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        except NotAllowed as error:
            raise CommandError(f"{error}（何も書き込んでいません）") from None
        except ValidationError as error:
            raise CommandError(f"{error.messages[0]}（何も書き込んでいません）") from None
        self.stdout.write(f"{found.name} {first:%Y年%-m月}分を抽選にしました（抽選 id: {lottery.pk}）")
        self._write_timetable(lottery)

    def handle_lottery_list(self, *, centre: str, **_):
        from machi.facilities.queries import centre_schedule

        found = centre_named(centre)
        for row in centre_schedule(found):
            if row.lottery is not None:
                self.stdout.write(
                    f"{row.month:%Y-%m} 抽選（id: {row.lottery.pk}、申込 {row.lottery.entry_count} 件"
                    f"{'、実施済み' if row.lottery.drawn_at else ''}）"
                )
                self._write_timetable(row.lottery)
            else:
                opening = f"{timezone.localtime(row.opens_at):%Y-%m-%d %H:%M}"
                if row.resident_opens_at != row.opens_at:
                    opening += f"（区民は {timezone.localtime(row.resident_opens_at):%Y-%m-%d %H:%M}）"
                self.stdout.write(f"{row.month:%Y-%m} 先着順 受付開始 {opening}、予約 {row.bookings} 件")

    def _write_timetable(self, lottery):
        for option, what in LOTTERY_TIMES:
            moment = timezone.localtime(getattr(lottery, LOTTERY_FIELDS[option]))
            self.stdout.write(f"  {what}: {moment:%Y-%m-%d %H:%M}")
        self.stdout.write(f"  希望の数: {lottery.max_choices}")

    def handle_import(self, *, path: Path, rooms: Path | None, dry_run: bool, user: str | None, **_):
        from machi.facilities.importers import import_path

        actor = SYSTEM if user is None else acting_user(user)
        try:
            report = import_path(path, rooms=rooms, actor=actor, dry_run=dry_run, source=path.name)
        except NotAllowed as error:
            raise CommandError(f"{error}（何も書き込んでいません）") from None
        except Conflict as error:
            raise CommandError(f"{error.messages[0]}（何も書き込んでいません）") from None
        except ImportRefused as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} 件の問題があるため取り込みませんでした（何も書き込んでいません）"
            ) from None
        for line in report.lines:
            self.stdout.write(line)
        for warning in report.warnings:
            self.stderr.write(f"注意: {warning}")
        self.stdout.write(("【試行・書き込みなし】" if dry_run else "") + report.summary())

    def handle_export(self, *, ward: str | None, rooms: bool, output: Path | None, **_):
        from machi.facilities.exporters import export_centres, export_rooms
        from machi.ledger.queries import ward_named

        chosen = None
        if ward:
            chosen = ward_named(ward)
            if chosen is None:
                raise CommandError(f"区「{ward}」が見つかりません")
        export = export_rooms if rooms else export_centres
        if output is None:
            count = export(sys.stdout.buffer, ward=chosen)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as stream:
                count = export(stream, ward=chosen)
        what = "部屋" if rooms else "センター"
        self.stderr.write(
            f"{chosen.name if chosen else '全区'}の{what} {count} 件を {output or '標準出力'} に出力しました"
        )

    def handle_post_usage(self, *, year: str, month: str | None, user: str | None, **_):
        from machi.facilities.actions import post_usage

        actor = SYSTEM if user is None else acting_user(user)
        try:
            fiscal_year = parse_fiscal_year(year)
            first = _month(month) if month else None
            postings = post_usage(actor=actor, fiscal_year=fiscal_year, month=first)
        except ValueError as error:
            raise CommandError(str(error)) from None
        except NotAllowed as error:
            raise CommandError(f"{error}（何も計上していません）") from None
        period = (
            f"{first:%Y年%-m月}"
            if first
            else f"{wareki(fiscal_year)}（{fiscal_year}年4月〜{fiscal_year + 1}年3月）"
        )
        if not postings:
            self.stdout.write(f"{period}: センターが属する{wareki(fiscal_year)}の事業はありません")
            return
        for posting in postings:
            project, found = posting.project, posting.usage
            rate = "―" if found.utilisation is None else f"{found.utilisation}%"
            withdrawn = f"、取り下げ {posting.withdrawn} 件" if posting.withdrawn else ""
            self.stdout.write(
                f"{project.programme.ward.name} No.{project.no} {project.name}: {period} 予約 {found.bookings} 件、"
                f"{found.hours_booked.normalize():f} 時間、稼働率 {rate}（部屋 {len(found.rooms)} 室{withdrawn}）"
            )


# The lottery's steps as options of `lottery create`, with their field names.
LOTTERY_TIMES = (
    ("--opens", "申込開始"),
    ("--closes", "申込締切"),
    ("--draw", "抽選日時"),
    ("--confirm-by", "当選者の確認期限"),
    ("--first-come", "空き枠の先着受付開始"),
)
LOTTERY_FIELDS = {
    "--opens": "applications_open_at",
    "--closes": "applications_close_at",
    "--draw": "draw_at",
    "--confirm-by": "confirm_by",
    "--first-come": "first_come_opens_at",
}


def _moment(text: str) -> datetime.datetime:
    """A moment typed in Tokyo time: 2027-01-01T09:00, 2027-01-01 09:00 or 2027/01/01 9:00."""
    cleaned = normalize(text).replace("/", "-").replace(" ", "T")
    try:
        moment = datetime.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"日時は 2027-01-01T09:00 のように指定してください: {text!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _month(text: str) -> datetime.date:
    match = re.fullmatch(r"(\d{4})[-/年](\d{1,2})月?", normalize(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"月は 2022-10 のように指定してください: {text!r}")
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)
