"""`machi requests import-categories FILE.csv [--dry-run] [--user …]`: categories in, all or nothing."""

from pathlib import Path

from django.core.management.base import CommandError

from machi.accounts.scope import NotAllowed
from machi.core.importing import ImportRefused, Problem
from machi.requests.cli.common import actor_option

HELP = "課題の種類（区・コード・名称・分類・説明・公開・目標日数・事業年度・事業No・受付中）をCSVから取り込む（全件か無か）"


def add_arguments(parser):
    parser.add_argument("path", type=Path, help="課題の種類のCSV（UTF-8 または CP932）")
    parser.add_argument("--dry-run", action="store_true", help="確かめるだけで書き込まない")
    parser.add_argument("--user", help="この職員として取り込む（その区だけ）。省略時はシステム運用者として")


def run(options, stdout):
    from machi.core.importing import read_limited
    from machi.requests.actions import import_categories

    path: Path = options["path"]
    actor = actor_option(options.get("user"))
    try:
        if not path.is_file():
            raise ImportRefused([Problem(str(path), None, None, "ファイルがありません")])
        report = import_categories(
            actor=actor, data=read_limited(path), source=path.name, dry_run=options["dry_run"]
        )
    except NotAllowed as error:
        raise CommandError(f"{error}（何も書き込んでいません）") from None
    except ImportRefused as error:
        for problem in error.problems:
            options["stderr"].write(str(problem))
        raise CommandError(
            f"{len(error.problems)} 件の問題があるため取り込みませんでした（何も書き込んでいません）"
        ) from None
    for line in report.created:
        stdout.write(f"新規: {line}")
    for line in report.updated:
        stdout.write(f"更新: {line}")
    stdout.write(report.summary())
