"""Ward staff's events pages: create an event (full-width digits, several sessions, own questions) and the
refusals that write nothing, edit a draft, publish after a confirmation, cancel with a reason (mail
and a list of callers to phone), register a caller by phone, and the roster with the waiting list.
Scope: other wards' staff and residents are refused."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.events.page_support import day, event_form

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.models import Event, EventQuestion, Registration
from machi.facilities.models import Centre, Room


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def form_data(project):
    return event_form(project)


def test_staff_create_a_course_with_two_sessions_typed_in_full_width_digits(staff, form_data):
    client = client_of(staff)
    assert "催しを作成する" in client.get("/events/manage/new/").content.decode()
    answer = client.post("/events/manage/new/", form_data)
    event = Event.objects.get()
    assert answer.status_code == 302 and answer.url == f"/events/manage/{event.pk}/"
    assert (event.status, event.capacity_seats, event.max_party, event.fee_yen) == ("draft", 30, 3, 500)
    assert event.created_by == staff and event.ward.name == "中央区"
    sessions = list(event.sessions.all())
    assert [s.position for s in sessions] == [1, 2]
    assert timezone.localtime(sessions[0].starts_at).date() == day(30)
    assert timezone.localtime(sessions[0].starts_at).hour == 10
    [question] = EventQuestion.objects.filter(event=event)
    assert (question.kind, question.required, question.choice_list) == ("choice", True, ["なし", "あり"])
    page = client.get(answer.url).content.decode()
    assert "下書きを保存しました" in page and "食物アレルギーはありますか" in page
    assert AuditEntry.objects.filter(action="events.create").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"registration_closes_at": f"{day(31)}T17:00"}, "申込締切は最初の開催日時より前にしてください"),
        ({"sessions-1-ends": "09:00"}, "終了時刻は開始時刻より後にしてください"),
        ({"capacity_seats": "0"}, "定員は1人以上にしてください"),
        ({"capacity_seats": "-5"}, "定員は1人以上にしてください"),
        ({"max_party": "31"}, "1件で申し込める人数は1人から定員（30人）までにしてください"),
        (
            {f"sessions-{row}-{part}": "" for row in (0, 1) for part in ("day", "starts", "ends")},
            "開催日時を1つ以上入力してください",
        ),
        ({"sessions-1-starts": ""}, "開催日、開始、終了をすべて入力してください。"),
        ({"venue_name": ""}, "会場の部屋を選ぶか、センター以外の会場名を入力してください。"),
        ({"questions-0-choices": "なし"}, "選択肢を2つ以上"),
        ({"title_kana": "Bousai"}, "ひらがなかカタカナで入力してください。"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_is_written(staff, form_data, changes, message):
    answer = client_of(staff).post("/events/manage/new/", form_data | changes)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Event.objects.exists() and not AuditEntry.objects.filter(action="events.create").exists()


def test_the_room_of_a_centre_of_the_ward_is_a_venue(staff, form_data, chuo, higashi):
    room = Room.objects.create(
        centre=Centre.objects.create(ward=chuo, name="白川センター"), name="和室", capacity=20
    )
    other = Room.objects.create(
        centre=Centre.objects.create(ward=higashi, name="東センター"), name="ホール", capacity=90
    )
    client = client_of(staff)
    page = client.get("/events/manage/new/").content.decode()
    assert "白川センター 和室（定員20人）" in page and "東センター" not in page
    assert client.post("/events/manage/new/", form_data | {"venue_room": other.pk}).status_code == 400
    client.post("/events/manage/new/", form_data | {"venue_room": room.pk, "venue_name": ""})
    assert Event.objects.get().venue_room == room


def test_people_who_are_not_staff_are_refused(people, make_event, higashi, ward_staff):
    event = make_event()
    resident = client_of(people(1)[0])
    assert resident.get("/events/manage/").status_code == 403
    assert resident.get("/events/manage/new/").status_code == 403
    other_ward = client_of(ward_staff("higashi-staff", higashi))
    for path in ("", "edit/", "publish/", "cancel/", "phone/", "roster/"):
        assert other_ward.get(f"/events/manage/{event.pk}/{path}").status_code == 403, path
    assert other_ward.post(f"/events/manage/{event.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert Event.objects.get().status == "published"


def test_staff_see_their_wards_events_by_status(staff, make_event, ward_staff, higashi):
    make_event(title="公開中の講座")
    make_event(title="下書きの講座", publish=False)
    client = client_of(staff)
    page = client.get("/events/manage/").content.decode()
    assert "公開中の講座" in page and "下書きの講座" in page and "下書き（1）" in page
    drafts = client.get("/events/manage/?status=draft").content.decode()
    assert "下書きの講座" in drafts and "公開中の講座" not in drafts
    assert "公開中の講座" not in client_of(ward_staff("h", higashi)).get("/events/manage/").content.decode()


def test_editing_a_draft_keeps_its_sessions_unless_changed(staff, form_data):
    client = client_of(staff)
    client.post("/events/manage/new/", form_data)
    event = Event.objects.get()
    page = client.get(f"/events/manage/{event.pk}/edit/").content.decode()
    assert 'value="はじめての防災講座"' in page and str(day(37)) in page
    edited = form_data | {"title": "防災講座（改）", "sessions-INITIAL_FORMS": "2"}
    edited |= {"sessions-1-day": "", "sessions-1-starts": "", "sessions-1-ends": ""}
    answer = client.post(f"/events/manage/{event.pk}/edit/", edited)
    assert answer.status_code == 302
    event.refresh_from_db()
    assert event.title == "防災講座（改）" and event.sessions.count() == 1
    actions.publish_event(actor=SYSTEM, event=event)
    answer = client.get(f"/events/manage/{event.pk}/edit/")
    assert answer.status_code == 302  # a published event is not edited here


def test_publishing_asks_first_and_the_preview_writes_nothing(staff, make_event):
    event = make_event(publish=False)
    client = client_of(staff)
    page = client.get(f"/events/manage/{event.pk}/publish/").content.decode()
    assert "この内容で公開しますか" in page
    assert Event.objects.get().status == "draft"
    assert not AuditEntry.objects.filter(action="events.publish").exists()
    answer = client.post(f"/events/manage/{event.pk}/publish/")
    assert answer.status_code == 302 and Event.objects.get().status == "published"
    again = client.get(f"/events/manage/{event.pk}/publish/")
    assert again.status_code == 409 and "公開できません" in again.content.decode()


def test_cancelling_an_event_mails_everyone_and_lists_callers_to_phone(
    staff, make_event, people, django_capture_on_commit_callbacks
):
    event = make_event(capacity_seats=2, max_party=2)
    web, waiting = people(2)
    confirmed = actions.register(actor=web, event=event, party_size=1)
    caller = actions.register(
        actor=staff, event=event, party_size=1, caller=("阿蘇 太郎", "あそ たろう", "096-111-2222")
    )
    queued = actions.register(actor=waiting, event=event, party_size=2)
    assert queued.status == "waitlisted"
    client = client_of(staff)
    page = client.get(f"/events/manage/{event.pk}/cancel/").content.decode()
    assert "申込3件をすべて取り消します" in page
    assert client.post(f"/events/manage/{event.pk}/cancel/", {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/events/manage/{event.pk}/cancel/", {"reason": "台風の接近のため"})
    assert answer.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.seats_taken, event.cancel_reason) == ("cancelled", 0, "台風の接近のため")
    assert set(Registration.objects.values_list("status", flat=True)) == {"cancelled"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([web.email, waiting.email])
    assert all("台風の接近のため" in m.body and "中止" in m.subject for m in mail.outbox)
    assert confirmed.code in next(m.body for m in mail.outbox if m.to == [web.email])
    page = client.get(answer.url).content.decode()
    assert (
        "電話で中止を伝える方" in page
        and "阿蘇 太郎" in page
        and "096-111-2222" in page
        and caller.code in page
    )
    assert "2人にメールで知らせました" in page
    assert client.post(f"/events/manage/{event.pk}/cancel/", {"reason": "再度"}).status_code == 400


def test_staff_register_a_phone_caller_and_read_the_code_aloud(staff, make_event):
    event = make_event(
        max_party=3,
        questions=[actions.QuestionInput(text="学年", kind="choice", choices="1年\n2年", required=True)],
    )
    question = EventQuestion.objects.get(event=event)
    client = client_of(staff)
    data = {
        "caller_name": "阿蘇 太郎",
        "caller_kana": "アソ　タロウ",
        "caller_phone": "０９６－１１１－２２２２",
        "party_size": "2",
    }
    refused = client.post(f"/events/manage/{event.pk}/phone/", data)
    assert refused.status_code == 400 and "「学年」に回答してください" in refused.content.decode()
    answer = client.post(f"/events/manage/{event.pk}/phone/", data | {f"q_{question.pk}": "２年"})
    registration = Registration.objects.get()
    assert answer.status_code == 302 and answer.url == f"/events/manage/registrations/{registration.pk}/"
    assert (registration.caller_phone, registration.caller_kana, registration.on_behalf) == (
        "096-111-2222",
        "アソ タロウ",
        True,
    )
    assert registration.answers == {str(question.pk): "2年"}
    page = client.get(answer.url).content.decode()
    assert registration.code in page and "読み上げて" in page and "<svg" in page


def test_the_roster_shows_confirmed_the_waiting_list_in_order_and_cancelled(staff, make_event, people):
    event = make_event(capacity_seats=1, max_party=1)
    first, second, third = people(3)
    actions.register(actor=first, event=event, party_size=1)
    caller = actions.register(
        actor=staff, event=event, party_size=1, caller=("山田 花子", "やまだ はなこ", "096-000-1234")
    )
    later = actions.register(actor=third, event=event, party_size=1)
    gone = actions.register(actor=second, event=event, party_size=1)
    actions.cancel(actor=second, registration=gone)
    page = client_of(staff).get(f"/events/manage/{event.pk}/roster/").content.decode()
    waiting = page.split('id="roster-waitlisted"')[1].split("</section>")[0]
    assert waiting.index(caller.code) < waiting.index(later.code)
    assert "やまだ はなこ" in waiting and "096-000-1234" in waiting
    assert gone.code in page.split('id="roster-cancelled"')[1]
    assert AuditEntry.objects.filter(action="events.view_roster").count() == 1
