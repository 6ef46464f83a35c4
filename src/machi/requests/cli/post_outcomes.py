"""`machi requests post-outcomes --year 2022 [--month 4] [--ward 中央区]`: the figures posted to the funds."""

from django.core.management.base import CommandError

from machi.accounts.scope import NotAllowed
from machi.core.fiscal import parse_fiscal_year, parse_month
from machi.requests.cli.common import actor_option, ward_option

HELP = "地域課題の統計（受付・対応済・引継ぎ・対応不可・日数・目標内の割合）と支出額を課題対応経費の事業の成果として台帳に計上する"


def add_arguments(parser):
    parser.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
    parser.add_argument("--month", help="その年度の1か月だけ（2022-05 または 5）。省略時は年度全体と各月")
    parser.add_argument("--ward", help="区名または団体コード（省略時は全区）")
    parser.add_argument("--user", help="この利用者として計上する。省略時はシステム運用者として")


def run(options, stdout):
    from machi.requests.actions import post_request_outcomes

    actor = actor_option(options.get("user"))
    ward = ward_option(options.get("ward"))
    try:
        fiscal_year = parse_fiscal_year(options["year"])
        month = parse_month(options.get("month"), fiscal_year)
        postings = post_request_outcomes(actor=actor, fiscal_year=fiscal_year, month=month, ward=ward)
    except ValueError as error:
        raise CommandError(str(error)) from None
    except NotAllowed as error:
        raise CommandError(f"{error}（何も計上していません）") from None
    if not postings:
        stdout.write("計上する地域課題の実績はありません（課題対応経費の事業に受付がありません）")
        return
    for posting in postings:
        project = posting.project
        period = (
            f"{posting.start:%Y年%-m月}"
            if posting.start.month == posting.end.month
            else f"{posting.start:%Y年%-m月}〜{posting.end:%Y年%-m月}"
        )
        total = posting.total
        if total is None or total.withheld:
            counts = "件数は5件未満のため計上せず"
        else:
            counts = f"受付 {total.received} 件、対応済 {total.resolved} 件、引継ぎ {total.referred} 件、対応不可 {total.declined} 件"
        withdrawn = f"（取り下げ {posting.withdrawn} 件）" if posting.withdrawn else ""
        stdout.write(
            f"{project.programme.ward.name} No.{project.no} {project.name}: {period} {counts}、"
            f"支出 {posting.spent_yen:,} 円{withdrawn}"
        )
