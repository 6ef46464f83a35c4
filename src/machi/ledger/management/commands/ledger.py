"""`machi ledger import|export|check|carry-forward`: the ledger from the command line. Thin: the work is in
actions and queries."""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.accounts.scope import NotAllowed
from machi.core.errors import Conflict
from machi.core.fiscal import parse_fiscal_year, wareki
from machi.core.management import MachiCommand
from machi.ledger.importers import import_path
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import Programme
from machi.ledger.queries import ward_named


class Command(MachiCommand):
    help = "まちづくり推進経費の台帳: 取込（import）・出力（export）・点検（check）・次年度への引継ぎ（carry-forward）"

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

        carrying = actions.add_parser(
            "carry-forward",
            help="区の年度計画（柱・事業）を次の年度へ引き継ぐ。当初予算は表（No.・事業名・当初予算）から",
        )
        carrying.add_argument("--ward", required=True, help="区名または団体コード")
        carrying.add_argument(
            "--from", dest="from_year", required=True, help="引き継ぐ元の年度（2022、令和4年度 など）"
        )
        carrying.add_argument("--to", dest="to_year", required=True, help="引き継ぐ先の年度")
        carrying.add_argument(
            "--initial",
            type=Path,
            help="当初予算の表（CSV / XLSX、列は No.・事業名・当初予算（千円））。省略時は当初予算なし（―）",
        )
        carrying.add_argument("--user", help="この利用者として引き継ぐ（その権限の範囲の区だけ）")
        carrying.add_argument(
            "--dry-run", action="store_true", help="作成する内容を表示するだけで書き込まない"
        )

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action.replace('-', '_')}")(**options)

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

    def handle_carry_forward(
        self,
        *,
        ward: str,
        from_year: str,
        to_year: str,
        initial: Path | None,
        user: str | None,
        dry_run: bool,
        **_,
    ):
        from machi.core.errors import Refused
        from machi.ledger import actions
        from machi.ledger.importers.csv_reader import read_limited
        from machi.ledger.importers.initial_budget import read_initial_budget
        from machi.ledger.importers.rows import LedgerImportError

        actor = SYSTEM if user is None else acting_user(user)
        try:
            source_year, target_year = parse_fiscal_year(from_year), parse_fiscal_year(to_year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        found = ward_named(ward)
        if found is None:
            raise CommandError(f"区「{ward}」が見つかりません")
        source = Programme.objects.filter(ward=found, fiscal_year=source_year).first()
        if source is None:
            raise CommandError(f"{wareki(source_year)} {found.name} の年度計画がありません")
        amounts, reason = None, ""
        if initial is not None:
            if not initial.is_file():
                raise CommandError(f"当初予算の表 {initial} がありません")
            projects = dict(source.projects.exclude(no=None).values_list("no", "name"))
            try:
                amounts = read_initial_budget(read_limited(initial), initial.name, projects=projects)
            except LedgerImportError as error:
                for problem in error.problems:
                    self.stderr.write(str(problem))
                raise CommandError(
                    f"当初予算の表に {len(error.problems)} 件の問題があるため引き継ぎませんでした（何も書き込んでいません）"
                ) from None
            reason = f"当初予算の表: {initial.name}"
        carry = actions.preview_carry_forward if dry_run else actions.carry_forward
        try:
            result = carry(
                actor=actor,
                programme=source,
                to_year=target_year,
                initial_yen_by_project=amounts,
                reason=reason,
            )
        except (NotAllowed, Refused) as error:
            message = error.messages[0] if isinstance(error, Refused) else str(error)
            raise CommandError(f"{message}（何も書き込んでいません）") from None
        prefix = "【試行・書き込みなし】" if dry_run else ""
        for line in result.lines():
            self.stdout.write(prefix + line)

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
