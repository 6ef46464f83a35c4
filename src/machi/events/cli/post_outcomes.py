"""`machi events post-outcomes --year 2022 [--month 2022-05]`: the events' figures posted to their projects."""

from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.accounts.scope import NotAllowed
from machi.core.fiscal import parse_fiscal_year, parse_month

HELP = "催しの実績（開催数・申込・出席・初参加・繰り上げ）を事業の成果として台帳に計上する"


def add_arguments(parser):
    parser.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
    parser.add_argument("--month", help="その年度の1か月だけ（2022-05 または 5）。省略時は年度全体と各月")
    parser.add_argument("--user", help="この利用者として計上する。省略時はシステム運用者として")


def run(options, stdout):
    from machi.events.actions import post_event_outcomes

    actor = SYSTEM if options.get("user") is None else acting_user(options["user"])
    try:
        fiscal_year = parse_fiscal_year(options["year"])
        month = parse_month(options.get("month"), fiscal_year)
        postings = post_event_outcomes(actor=actor, fiscal_year=fiscal_year, month=month)
    except ValueError as error:
        raise CommandError(str(error)) from None
    except NotAllowed as error:
        raise CommandError(f"{error}（何も計上していません）") from None
    if not postings:
        stdout.write("計上する催しの実績はありません（開催済みの催しがありません）")
        return
    for posting in postings:
        project, found = posting.project, posting.figures
        period = (
            f"{posting.start:%Y年%-m月}"
            if posting.start.day == 1 and posting.start.month == posting.end.month
            else f"{posting.start:%Y年%-m月}〜{posting.end:%Y年%-m月}"
        )
        withdrawn = f"（取り下げ {posting.withdrawn} 件）" if posting.withdrawn else ""
        rate = "―" if found.attendance_rate is None else f"{found.attendance_rate}%"
        stdout.write(
            f"{project.programme.ward.name} No.{project.no} {project.name}: {period} 催し {found.events} 件、"
            f"{found.sessions} 回、申込 {found.registrations} 件（{found.seats} 人）、出席 {found.attendees} 人"
            f"（出席率 {rate}）、初参加 {found.first_timers} 人、繰り上げ {found.promotions} 件{withdrawn}"
        )
