"""`machi requests export --year 2022 [--ward 中央区] [--format csv|xlsx] [-o FILE]`: the public requests out."""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from machi.core.fiscal import parse_fiscal_year
from machi.requests.cli.common import ward_option

HELP = "年度の地域課題を公開の項目だけ（個人の情報なし）CSV（UTF-8 BOM付き）または XLSX で出力する"


def add_arguments(parser):
    parser.add_argument("--year", required=True, help="年度（2022、令和4年度 など）")
    parser.add_argument("--ward", help="区名または団体コード（省略時は全区）")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="形式（既定 csv）")
    parser.add_argument("-o", "--output", type=Path, help="出力先（省略時は標準出力。xlsx では必須）")


def run(options, stdout):
    from machi.requests.exporters import export_requests

    ward = ward_option(options.get("ward"))
    try:
        year = parse_fiscal_year(options["year"])
    except ValueError as error:
        raise CommandError(str(error)) from None
    output: Path | None = options.get("output")
    fmt = options["format"]
    if output is None:
        if fmt == "xlsx":
            raise CommandError("XLSX は --output でファイルを指定してください")
        count = export_requests(sys.stdout.buffer, fiscal_year=year, ward=ward, fmt=fmt)
        sys.stdout.buffer.flush()
    else:
        with output.open("wb") as stream:
            count = export_requests(stream, fiscal_year=year, ward=ward, fmt=fmt)
    options["stderr"].write(
        f"{ward.name if ward else '全区'}の{year}年度の地域課題 {count} 件を {output or '標準出力'} に出力しました"
    )
