"""The door pages work without JavaScript: typed codes and searches are plain forms; the documents open."""

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.models import CheckIn, Registration


@pytest.fixture
def door(make_event, helper, people):
    event = make_event(capacity_seats=10, max_party=3, venue_name="中央公民館")
    actions.grant_helper(actor=SYSTEM, event=event, user=helper)
    [alice] = people(1)
    alice.name_kana = "すずき ありす"
    alice.save()
    mine = actions.register(actor=alice, event=event, party_size=2)
    called = actions.register(
        actor=SYSTEM, event=event, party_size=1, caller=("山田 花子", "ヤマダ ハナコ", "096-123-4567")
    )
    return event, mine, called


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_helper_checks_in_by_typed_code_and_a_repeat_says_by_whom(door, helper):
    event, mine, _called = door
    client = client_of(helper)
    assert f"/events/door/{event.pk}/" in client.get("/events/door/").content.decode()  # the events one works
    page = client.get(f"/events/door/{event.pk}/")
    assert page.status_code == 200 and "受付番号で受付" in page.content.decode()

    done = client.post(f"/events/door/{event.pk}/", {"code": mine.code.lower()}, follow=True)
    assert "を受け付けました" in done.content.decode()
    assert "受付済み <strong>2</strong> 人" in done.content.decode()
    again = client.post(f"/events/door/{event.pk}/", {"code": mine.code}, follow=True)
    assert "さんが受付済み" in again.content.decode() and "受付 花子" in again.content.decode()
    unknown = client.post(f"/events/door/{event.pk}/", {"code": "ZZZZZZ"}, follow=True)
    assert "この催しにありません" in unknown.content.decode()
    assert CheckIn.objects.count() == 1


def test_a_search_by_kana_or_phone_finds_the_party_to_check_in(door, helper):
    event, _mine, called = door
    client = client_of(helper)
    for query in ("やまだ", "ﾔﾏﾀﾞ", "１２３４５"):
        page = client.get(f"/events/door/{event.pk}/", {"q": query}).content.decode()
        assert called.code in page, query
    client.post(f"/events/door/{event.pk}/", {"registration": called.pk, "q": "やまだ"})
    assert CheckIn.objects.get().registration_id == called.pk
    assert AuditEntry.objects.filter(action="events.search_roster").count() == 3


def test_a_walk_in_is_added_with_full_width_digits(door, helper):
    event, _mine, _called = door
    answer = client_of(helper).post(
        f"/events/door/{event.pk}/walk-in/",
        {
            "walkin-name": "飛込 太郎",
            "walkin-kana": "とびこみ",
            "walkin-phone": "",
            "walkin-party_size": "２",
        },
        follow=True,
    )
    assert "当日参加の飛込 太郎さん（2人）を受け付けました" in answer.content.decode()
    walked = Registration.objects.get(walk_in=True)
    assert walked.checkins.count() == 1 and walked.party_size == 2


def test_only_the_events_staff_and_helpers_see_the_door(door, people, make_event, helper):
    event, _mine, _called = door
    [stranger] = people(1, prefix="stranger")
    assert client_of(stranger).get(f"/events/door/{event.pk}/").status_code == 403
    other = make_event(title="別の講座")
    assert client_of(helper).get(f"/events/door/{other.pk}/").status_code == 403
    assert Client().get(f"/events/door/{event.pk}/").status_code == 302  # to the login
    assert client_of(helper).get(f"/events/door/{event.pk}/helpers/").status_code == 404
    assert client_of(helper).get(f"/events/door/{event.pk}/close/").status_code == 404


def test_staff_name_a_helper_on_the_helpers_page(door, staff, people):
    event, _mine, _called = door
    [newcomer] = people(1, prefix="new")
    client = client_of(staff)
    client.post(f"/events/door/{event.pk}/helpers/", {"do": "grant", "account": newcomer.email})
    revoke_button = f"{newcomer}さんの受付係を取り消す"
    assert revoke_button in client.get(f"/events/door/{event.pk}/helpers/").content.decode()
    client.post(f"/events/door/{event.pk}/helpers/", {"do": "revoke", "user": newcomer.pk})
    assert revoke_button not in client.get(f"/events/door/{event.pk}/helpers/").content.decode()


def test_staff_draw_the_lottery_on_its_page_after_registration_closes(make_event, staff, people):
    event = make_event(allocation="lottery", capacity_seats=2, max_party=2)
    for person in people(3):
        actions.register(actor=person, event=event, party_size=1)
    client = client_of(staff)
    page = client.get(f"/events/door/{event.pk}/lottery/").content.decode()
    assert event.lottery_seed_digest in page and event.lottery_seed not in page
    assert "抽選する" not in page  # registration is still open
    event.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    event.save(update_fields=["registration_closes_at"])
    done = client.post(f"/events/door/{event.pk}/lottery/", follow=True).content.decode()
    assert "3件のうち2件が当選" in done
    assert event.lottery_seed in done and "同じ結果になりました" in done


def test_closing_as_held_asks_first_then_marks_no_shows(door, staff):
    event, _mine, _called = door
    client = client_of(staff)
    confirm = client.get(f"/events/door/{event.pk}/close/").content.decode()
    assert "2件を欠席として記録します" in confirm
    early = client.post(f"/events/door/{event.pk}/close/")
    assert early.status_code == 409 and "始まる前" in early.content.decode()


def test_the_roster_pdf_and_attendance_xlsx_open_and_are_audited(door, helper, people):
    event, mine, called = door
    actions.check_in(actor=helper, event=event, session=event.sessions.get(), code=called.code)
    client = client_of(helper)

    answer = client.get(f"/events/door/{event.pk}/roster.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "参加者名簿・受付簿" in text and "防災講座" in text
    assert mine.code in text and called.code in text and "096-123-4567" in text
    assert text.index("すずき") < text.index("ヤマダ")

    book = load_workbook(io.BytesIO(client.get(f"/events/door/{event.pk}/roster.xlsx").content))
    sheet = book["出席者一覧"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows[called.code][1:6] == ("ヤマダ ハナコ", "山田 花子", 1, "096-123-4567", "代理")
    assert isinstance(rows[called.code][6], datetime.datetime) and rows[called.code][7] == "受付 花子"
    assert rows[mine.code][4] is None and rows[mine.code][6] is None  # no phone, not checked in

    actions_seen = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"events.download_roster_pdf", "events.download_roster_xlsx"} <= actions_seen
    [stranger] = people(1, prefix="stranger")
    assert client_of(stranger).get(f"/events/door/{event.pk}/roster.xlsx").status_code == 403


def test_the_fee_paid_at_the_door_is_recorded_as_typed(make_event, helper, people):
    event = make_event(fee_yen=500)
    actions.grant_helper(actor=SYSTEM, event=event, user=helper)
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=1)
    client = client_of(helper)
    assert "受け取った参加費（円）" in client.get(f"/events/door/{event.pk}/").content.decode()
    client.post(f"/events/door/{event.pk}/", {"code": registration.code, "fee_paid_yen": "３００円"})
    assert Registration.objects.get(pk=registration.pk).fee_paid_yen == 300
    client.post(
        f"/events/door/{event.pk}/walk-in/",
        {"walkin-name": "飛込", "walkin-party_size": "1", "walkin-fee_paid_yen": "５００"},
    )
    assert Registration.objects.get(walk_in=True).fee_paid_yen == 500
