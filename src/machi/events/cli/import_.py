"""`machi events import FILE [--project 2026:3] [--dry-run] [--encoding …] [--user …]`: イベント一覧 CSV in."""

from pathlib import Path

from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.accounts.management import acting_user
from machi.accounts.scope import NotAllowed
from machi.core.importing import ImportRefused, Problem

HELP = "イベント一覧CSV（UTF-8 BOM有無・CP932）を取り込む（全件か無か、問題はすべて行・列つきで表示）"


def add_arguments(parser):
    parser.add_argument("path", type=Path, help="イベント一覧CSV")
    parser.add_argument(
        "--project",
        help="事業年度・事業No列のない行の事業（「2026:3」= 2026年度 No.3、各行の区の事業）",
    )
    parser.add_argument("--dry-run", action="store_true", help="確かめるだけで書き込まない")
    parser.add_argument(
        "--encoding",
        choices=("auto", "utf-8", "cp932"),
        default="auto",
        help="文字コード（既定 auto: UTF-8（BOM有無）、読めなければ CP932）",
    )
    parser.add_argument("--user", help="この職員として取り込む（その区だけ）。省略時はシステム運用者として")


def run(options, stdout):
    from machi.core.importing import read_limited
    from machi.events.opendata import import_events

    path: Path = options["path"]
    stderr = options["stderr"]
    actor = SYSTEM if options.get("user") is None else acting_user(options["user"])
    try:
        if not path.is_file():
            raise ImportRefused([Problem(str(path), None, None, "ファイルがありません")])
        data = read_limited(path)
        data = _recoded(data, options.get("encoding") or "auto", path.name)
        report = import_events(
            data, source=path.name, actor=actor, project=options.get("project"), dry_run=options["dry_run"]
        )
    except ValueError as error:
        raise CommandError(f"{error}（何も書き込んでいません）") from None
    except NotAllowed as error:
        raise CommandError(f"{error}（何も書き込んでいません）") from None
    except ImportRefused as error:
        for problem in error.problems:
            stderr.write(str(problem))
        raise CommandError(
            f"{len(error.problems)} 件の問題があるため取り込みませんでした（何も書き込んでいません）"
        ) from None
    for line in report.created:
        stdout.write(f"新規: {line}")
    for warning in report.warnings:
        stderr.write(f"注意: {warning}")
    stdout.write(report.summary())


def _recoded(data: bytes, encoding: str, source: str) -> bytes:
    """With --encoding given, the bytes read in it (and handed on as UTF-8); auto leaves them to the reader."""
    if encoding == "auto":
        return data
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else "cp932").encode("utf-8")
    except UnicodeDecodeError:
        raise ImportRefused(
            [Problem(source, None, None, f"{encoding} として読めません（文字コードを確かめてください）")]
        ) from None
