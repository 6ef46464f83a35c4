"""`machi report …`: reports and open data from the command line. Thin: the work is in machi.reports."""

from pathlib import Path

from django.core.management.base import CommandError
from django.db.models import Q
from django.http import Http404

from machi.core.fiscal import parse_fiscal_year, wareki
from machi.core.management import MachiCommand
from machi.core.text import normalize
from machi.reports import documents
from machi.reports.documents import FORMATS


class Command(MachiCommand):
    help = "報告書とオープンデータ: 区の報告（ward）、市の概要（city）、財政データパッケージ（export-fdp）"

    def add_arguments(self, parser):
        # One subcommand per report; each is a handle_<name> method (dashes become underscores).
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))

        ward = actions.add_parser("ward", help="区の年度報告を HTML / PDF / XLSX / CSV で出力する")
        ward.add_argument("--ward", required=True, help="区名または団体コード（中央区、431010）")
        city = actions.add_parser("city", help="市の概要（区の比較・テーマ別・年度比較）を出力する")
        for report in (ward, city):
            report.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
            report.add_argument("--format", choices=FORMATS, default="pdf")
            report.add_argument("-o", "--output", type=Path, required=True, help="出力先のファイル")

        fdp = actions.add_parser(
            "export-fdp",
            help="年度の予算・決算をオープンデータ（Fiscal Data Package: datapackage.json と CSV）で出力する",
        )
        fdp.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
        fdp.add_argument("-o", "--output", type=Path, required=True, help="出力先のフォルダ（なければ作成）")

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action.replace('-', '_')}")(**options)

    def handle_ward(self, *, year: str, ward: str, format: str, output: Path, **_):
        from machi.ledger.models import Programme

        fiscal_year = _fiscal_year(year)
        programme = (
            Programme.objects.select_related("ward")
            .filter(fiscal_year=fiscal_year)
            .filter(Q(ward__name=normalize(ward)) | Q(ward__code=normalize(ward)))
            .first()
        )
        if programme is None:
            raise CommandError(f"区「{ward}」が見つかりません（{wareki(fiscal_year)}）")
        self._write(documents.ward_document(programme, format), output)

    def handle_city(self, *, year: str, format: str, output: Path, **_):
        fiscal_year = _fiscal_year(year)
        try:
            document = documents.city_document(fiscal_year, format)
        except Http404:
            raise CommandError(f"{wareki(fiscal_year)} の台帳がありません") from None
        self._write(document, output)

    def _write(self, document, output: Path) -> None:
        output.write_bytes(document.content)
        self.stdout.write(f"{output} に出力しました（{len(document.content):,} バイト）")

    def handle_export_fdp(self, *, year: str, output: Path, **_):
        from machi.reports.fdp import NoBudget, build_fdp

        fiscal_year = _fiscal_year(year)
        if output.exists() and not output.is_dir():
            raise CommandError(f"{output} はフォルダではありません")
        try:
            package = build_fdp(fiscal_year=fiscal_year)
        except NoBudget as error:
            raise CommandError(str(error)) from None
        package.write(output)
        for name, content in package.files.items():
            self.stdout.write(f"{output / name}（{len(content):,} バイト）")
        self.stdout.write(
            f"{wareki(fiscal_year)} の財政データパッケージを {output} に出力しました"
            f"（事業 {package.project_count} 件、テーマ {package.theme_count} 件）"
        )


def _fiscal_year(year: str) -> int:
    try:
        return parse_fiscal_year(year)
    except ValueError as error:
        raise CommandError(str(error)) from None
