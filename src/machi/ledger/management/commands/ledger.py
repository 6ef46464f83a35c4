"""`machi ledger import|export|check`: the ledger from the command line. Thin: the work is in actions and queries."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.accounts.scope import NotAllowed
from machi.core.errors import Conflict
from machi.core.fiscal import parse_fiscal_year, wareki
from machi.ledger.importers import import_path
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import Programme
from machi.ledger.queries import ward_named


class Command(BaseCommand):
    help = "まちづくり推進経費の台帳: 取込（import）・出力（export）・点検（check）"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        importing = actions.add_parser(
            "import", help="CSV / XLSX / データセットのフォルダを取り込む（全件か無か）"
        )
        importing.add_argument("path", type=Path)
        importing.add_argument("--dry-run", action="store_true", help="変更内容を表示するだけで書き込まない")
        importing.add_argument(
            "--user", help="この利用者として取り込む（その権限の範囲の区だけ）。省略時はシステム運用者として"
        )
        importing.add_argument(
            "--below-commitments-reason",
            default="",
            help="予算を補助金の交付決定などの決定済みの額より少なくする理由（監査ログと点検に残る）。"
            "省略時はそのような行を問題として取り込まない",
        )

        exporting = actions.add_parser(
            "export", help="台帳を CSV（標準形式）または XLSX（区の様式）で出力する"
        )
        exporting.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
        exporting.add_argument("--ward", help="区名または団体コード（省略時は全区）")
        exporting.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        exporting.add_argument("-o", "--output", type=Path, help="出力先（CSV は省略時に標準出力）")

        checking = actions.add_parser(
            "check", help="データの点検（配分額との差、決算額の超過、決定済みの額を下回る予算など）"
        )
        checking.add_argument("--year", required=True)

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

    def handle_import(
        self, *, path: Path, dry_run: bool, user: str | None, below_commitments_reason: str = "", **_
    ):
        actor = SYSTEM if user is None else acting_user(user)
        try:
            report = import_path(
                path,
                source=path.name,
                actor=actor,
                dry_run=dry_run,
                below_commitments_reason=below_commitments_reason,
            )
        except NotAllowed as error:
            raise CommandError(f"{error}（何も書き込んでいません）") from None
        except Conflict as error:
            raise CommandError(f"{error.messages[0]}（何も書き込んでいません）") from None
        except LedgerImportError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} 件の問題があるため取り込みませんでした（何も書き込んでいません）"
            ) from None
        for line in report.lines:
            self.stdout.write(line)
        for warning in report.warnings:
            self.stderr.write(f"注意: {warning}")
        prefix = "【試行・書き込みなし】" if dry_run else ""
        self.stdout.write(prefix + report.summary())

    def handle_export(self, *, year: str, ward: str | None, format: str, output: Path | None, **_):
        fiscal_year, ward_name = self._year_and_ward(year, ward)
        if format == "csv":
            from machi.ledger.exporters.csv_export import export_csv

            if output is None:
                export_csv(sys.stdout, fiscal_year=fiscal_year, ward=ward_name)
                return
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = export_csv(stream, fiscal_year=fiscal_year, ward=ward_name)
        else:
            from machi.ledger.exporters.xlsx_export import export_xlsx

            if output is None:
                raise CommandError("XLSX は -o で出力先のファイルを指定してください")
            export_xlsx(output, fiscal_year=fiscal_year, ward=ward_name)
            count = None
        written = f"（{count} 件）" if count is not None else ""
        self.stderr.write(f"{wareki(fiscal_year)} {ward_name or '全区'} を {output} に出力しました{written}")

    def handle_check(self, *, year: str, **_):
        from machi.ledger.queries import ledger_check

        fiscal_year, _ = self._year_and_ward(year, None)
        findings = ledger_check(fiscal_year, with_reasons=True)  # the operator's, not published
        total = 0
        for ward, found in findings.items():
            self.stdout.write(f"{ward}: {'問題なし' if not found else f'{len(found)} 件'}")
            for finding in found:
                self.stdout.write(f"  - {finding.message}")
            total += len(found)
        self.stdout.write(f"{wareki(fiscal_year)}: {len(findings)} 区を点検、指摘 {total} 件")

    def _year_and_ward(self, year: str, ward: str | None) -> tuple[int, str | None]:
        try:
            fiscal_year = parse_fiscal_year(year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not Programme.objects.for_year(fiscal_year).exists():
            raise CommandError(f"{wareki(fiscal_year)} の台帳がありません")
        if ward is None:
            return fiscal_year, None
        found = ward_named(ward)
        if found is None:
            raise CommandError(f"区「{ward}」が見つかりません")
        return fiscal_year, found.name
