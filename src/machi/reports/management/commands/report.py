"""`machi report …`: reports and open data from the command line. Thin: the work is in machi.reports."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from machi.core.fiscal import parse_fiscal_year, wareki


class Command(BaseCommand):
    help = "報告書とオープンデータ: 財政データパッケージの出力（export-fdp）"

    def add_arguments(self, parser):
        # One subcommand per report; each is a handle_<name> method (dashes become underscores).
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))

        fdp = actions.add_parser(
            "export-fdp",
            help="年度の予算・決算をオープンデータ（Fiscal Data Package: datapackage.json と CSV）で出力する",
        )
        fdp.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
        fdp.add_argument("-o", "--output", type=Path, required=True, help="出力先のフォルダ（なければ作成）")

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action.replace('-', '_')}")(**options)

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
