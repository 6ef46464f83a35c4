"""催しの名簿・受付簿（PDF）と出席者一覧（XLSX）を出力する。出力は監査の記録に残る。"""

from pathlib import Path

from django.core.management.base import CommandError

from machi.accounts.scope import require_event_helper
from machi.audit.actions import record_view
from machi.events import documents
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
        record_view(
            actor=actor,
            action=f"events.download_roster_{kind}",
            obj=event,
            people=[row.registration.person_id for row in rows],
            detail={"registrations": [row.registration.pk for row in rows], "file": str(path)},
        )
        stdout.write(f"{path}（{len(rows)}組）")
