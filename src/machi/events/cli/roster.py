"""催しの名簿・受付簿（PDF）と出席者一覧（XLSX）を出力する。出力は監査の記録に残る。"""

from pathlib import Path

from django.core.management.base import CommandError

from machi.accounts.scope import require_event_helper
from machi.events import actions, documents
from machi.events.cli.common import add_event_argument, event_and_actor
from machi.events.queries import roster_rows


def add_arguments(parser) -> None:
    add_event_argument(parser)
    parser.add_argument("--pdf", type=Path, help="名簿・受付簿（PDF）の出力先")
    parser.add_argument("--xlsx", type=Path, help="出席者一覧（XLSX）の出力先")


def run(options, stdout) -> None:
    if not options["pdf"] and not options["xlsx"]:
        raise CommandError("--pdf か --xlsx（または両方）を指定してください")
    event, actor = event_and_actor(options)
    require_event_helper(actor, event, "名簿")
    rows = roster_rows(event)
    for kind, path, write in (
        ("pdf", options["pdf"], documents.roster_pdf),
        ("xlsx", options["xlsx"], documents.attendance_xlsx),
    ):
        if path is None:
            continue
        path.write_bytes(write(event, rows).content)
        actions.record_roster_seen(
            actor=actor, event=event, rows=rows, action=f"events.download_roster_{kind}", file=str(path)
        )
        stdout.write(f"{path}（{len(rows)}組）")
