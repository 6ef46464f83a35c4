"""`machi events draw|roster|helper`: the lottery drawn and verified, the documents written, helpers named."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from machi.accounts.scope import can_help_event
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.models import Event


def run(*args) -> str:
    out = io.StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


def test_draw_then_verify_a_lottery_from_the_command_line(make_event, people):
    event = make_event(allocation="lottery", capacity_seats=2, max_party=1)
    for person in people(3):
        actions.register(actor=person, event=event, party_size=1)
    with pytest.raises(CommandError, match="申込締切"):
        run("draw", str(event.pk))
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        registration_opens_at=now - datetime.timedelta(days=10),
        registration_closes_at=now - datetime.timedelta(minutes=1),
    )
    assert "3件のうち2件が当選" in run("draw", str(event.pk))
    assert "記録と同じ結果です" in run("draw", str(event.pk), "--verify")
    with pytest.raises(CommandError, match="見つかりません"):
        run("draw", "999999")


def test_roster_writes_the_pdf_and_the_xlsx_and_audits_them(make_event, people, tmp_path):
    event = make_event()
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=2)
    out = run("roster", str(event.pk), "--pdf", str(tmp_path / "r.pdf"), "--xlsx", str(tmp_path / "r.xlsx"))
    assert "1組" in out
    assert registration.code in PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    assert load_workbook(tmp_path / "r.xlsx")["出席者一覧"]["A4"].value == registration.code
    assert AuditEntry.objects.filter(action__startswith="events.download_roster").count() == 2
    with pytest.raises(CommandError, match="--pdf"):
        run("roster", str(event.pk))


def test_helper_add_list_remove(make_event, people, staff):
    event = make_event()
    [helper] = people(1, prefix="helper")
    run("helper", "add", str(event.pk), "--helper", helper.username, "--user", staff.username)
    assert can_help_event(helper, event)
    assert helper.username in run("helper", "list", str(event.pk))
    run("helper", "remove", str(event.pk), "--helper", helper.username)
    assert not can_help_event(helper, event)
    with pytest.raises(CommandError, match="権限"):
        run("helper", "add", str(event.pk), "--helper", helper.username, "--user", helper.username)
