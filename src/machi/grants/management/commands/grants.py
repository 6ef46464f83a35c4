"""`machi grants …`: the grant's documents from the command line. Thin: the work is in machi.grants.

machi grants notice --application G2022-00012 --kind decision -o 交付決定通知書.pdf
machi grants export --year 令和4年度 --ward 西区 --what payments -o payments.xlsx
"""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from machi.core.fiscal import parse_fiscal_year, wareki
from machi.core.text import normalize
from machi.grants import documents, exports
from machi.grants.models import Application

# 申請番号 as notices print it (G2022-00012), or the bare id.
_NUMBER = re.compile(r"^(?:G(?P<year>\d{4})-)?(?P<id>\d+)$", re.IGNORECASE)


class Command(BaseCommand):
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

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

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
