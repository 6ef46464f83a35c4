"""`machi events export [--ward 中央区] [--year 2026] [--encoding cp932] [-o FILE]`: イベント一覧 CSV out."""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from machi.core.fiscal import parse_fiscal_year

HELP = "公開中・受付終了・開催済みの催しをイベント一覧CSV（UTF-8 BOM付き、または CP932）で出力する"


def add_arguments(parser):
    parser.add_argument("--ward", help="区名または団体コード（省略時は全区）")
    parser.add_argument("--year", help="事業の年度（2026、令和8年度 など。省略時はすべて）")
    parser.add_argument(
        "--encoding", choices=("utf-8", "cp932"), default="utf-8", help="文字コード（既定 UTF-8 BOM付き）"
    )
    parser.add_argument("-o", "--output", type=Path, help="出力先（省略時は標準出力）")


def run(options, stdout):
    from machi.events.opendata import export_events
    from machi.ledger.queries import ward_named

    ward = None
    if options.get("ward"):
        ward = ward_named(options["ward"])
        if ward is None:
            raise CommandError(f"区「{options['ward']}」が見つかりません")
    try:
        year = parse_fiscal_year(options["year"]) if options.get("year") else None
        output: Path | None = options.get("output")
        if output is None:
            count = export_events(
                sys.stdout.buffer, ward=ward, fiscal_year=year, encoding=options["encoding"]
            )
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as stream:
                count = export_events(stream, ward=ward, fiscal_year=year, encoding=options["encoding"])
    except ValueError as error:
        raise CommandError(str(error)) from None
    options["stderr"].write(
        f"{ward.name if ward else '全区'}の催し {count} 件を {output or '標準出力'} に出力しました"
    )
