"""The public events pages: the listing (filters, pages, a fixed number of queries), an event's page,
registering with the event's own questions, the registration with its code and QR code, my
registrations, and cancelling (before and after the deadline). Drafts and proposals are 404."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.events.conftest import window

from machi.accounts.actors import SYSTEM
from machi.events import actions
from machi.events.models import Event, EventQuestion, Registration
from machi.facilities.models import Centre, Room

QUESTIONS = [
    actions.QuestionInput(
        text="食物アレルギーはありますか", kind="choice", choices="なし\nあり", required=True
    ),
    actions.QuestionInput(text="ご要望", kind="text"),
]


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def question_ids(event) -> tuple[int, int]:
    allergy, wishes = EventQuestion.objects.filter(event=event).order_by("position")
    return allergy.pk, wishes.pk


@pytest.fixture
def course(make_event):
    """A two-session course for up to 3 a party, with a required choice and a free-text question."""
    starts = timezone.now() + datetime.timedelta(days=30)
    return make_event(
        title="はじめての防災講座",
        title_kana="はじめてのぼうさいこうざ",
        capacity_seats=10,
        max_party=3,
        fee_yen=500,
        min_age=10,
        venue_name="白川公園",
        venue_address="熊本市中央区白川町1-1",
        latitude="32.803000",
        longitude="130.708000",
        accessibility="段差なし。手話通訳あり。",
        contact="中央区役所 まちづくり推進課 096-000-0000",
        questions=QUESTIONS,
        **window(
            sessions=[
                (starts, starts + datetime.timedelta(hours=2)),
                (starts + datetime.timedelta(days=7), starts + datetime.timedelta(days=7, hours=2)),
            ]
        ),
    )


# --- The listing --------------------------------------------------------------------------------


def test_the_listing_shows_what_is_published_and_to_come(course, make_event):
    make_event(title="下書きの講座", publish=False)
    past = make_event(title="過去の講座")
    long_ago = timezone.now() - datetime.timedelta(days=60)
    past.sessions.update(starts_at=long_ago, ends_at=long_ago + datetime.timedelta(hours=1))
    page = Client().get("/events/").content.decode()
    assert "はじめての防災講座" in page
    assert "下書きの講座" not in page and "過去の講座" not in page
    assert "中央区" in page and "講座" in page and "白川公園" in page
    assert "500円" in page and "残り10席" in page and "全2回" in page


def test_the_listing_says_full_waitlist_and_lottery(make_event, people):
    full = make_event(title="満席の講演会", kind="lecture", capacity_seats=1, max_party=1)
    actions.register(actor=people(1)[0], event=full, party_size=1)
    lottery = make_event(title="抽選の講座", publish=False, allocation="lottery")
    Event.objects.filter(pk=lottery.pk).update(status="published")
    page = Client().get("/events/").content.decode()
    assert "満席・キャンセル待ち" in page
    assert "抽選（定員10人）" in page
    assert "満席の講演会" not in Client().get("/events/?free=on").content.decode()


def test_the_listing_filters_by_ward_month_kind_and_words(course, make_event, chuo, higashi):
    drill = make_event(title="避難訓練", title_kana="ひなんくんれん", kind="drill")
    month = timezone.localtime(drill.sessions.get().starts_at).strftime("%Y-%m")

    def titles(query: str) -> list[str]:
        page = Client().get(f"/events/?{query}").content.decode()
        return [t for t in ("はじめての防災講座", "避難訓練") if t in page]

    assert titles("kind=drill") == ["避難訓練"]
    assert titles(f"ward={chuo.pk}") == ["はじめての防災講座", "避難訓練"]
    assert titles(f"ward={higashi.pk}") == []
    assert titles(f"month={month}") == ["はじめての防災講座", "避難訓練"]
    assert titles("month=2001-01") == []
    assert titles("q=ひなん") == ["避難訓練"]
    assert titles("q=%EF%BC%91%EF%BC%90") == []  # "１０" (full-width) matches no title
    assert titles("month=nonsense") == ["はじめての防災講座", "避難訓練"]  # a bad month is ignored, not a 500


def test_the_listing_pages_by_twenty(make_event):
    for n in range(21):
        make_event(title=f"講座{n:02d}")
    first = Client().get("/events/").content.decode()
    assert "21件の催し" in first and "講座00" in first and "講座20" not in first
    second = Client().get("/events/?page=2").content.decode()
    assert "講座20" in second and 'rel="prev"' in second


def test_the_listing_costs_the_same_queries_for_one_event_or_many(make_event, django_assert_num_queries):
    make_event(title="講座0")
    client = Client()
    client.get("/events/")  # sessions and such set up once
    with django_assert_num_queries(5) as one:
        assert "講座0" in client.get("/events/?free=on").content.decode()
    for n in range(1, 15):
        make_event(title=f"講座{n}", venue_name=f"会場{n}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert "講座14" in client.get("/events/?free=on").content.decode()


# --- An event's page --------------------------------------------------------------------------


def test_the_event_page_shows_everything_a_resident_needs(course):
    page = Client().get(f"/events/{course.pk}/").content.decode()
    for fact in (
        "はじめての防災講座",
        "第1回",
        "第2回",
        "連続講座です",
        "白川公園",
        "熊本市中央区白川町1-1",
        "openstreetmap.org/?mlat=32.803000",
        "500円",
        "当日会場でお支払いください",
        "10歳以上",
        "段差なし。手話通訳あり。",
        "中央区役所 まちづくり推進課 096-000-0000",
        "中央区役所",  # the organiser
        "残り10席",
        "申込期間",
        "取消の期限",
        "ログインして申し込む",
    ):
        assert fact in page, fact
    assert f"/accounts/login/?next=/events/{course.pk}/register/" in page


def test_a_room_of_a_centre_is_the_venue(make_event, chuo):
    centre = Centre.objects.create(ward=chuo, name="白川地域コミュニティセンター", address="中央区白川町2-2")
    room = Room.objects.create(centre=centre, name="和室", capacity=20)
    event = make_event(venue_room=room, publish=False)
    # Shown as published without holding the room's blocks (tests/events/test_venue.py holds them).
    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)
    page = Client().get(f"/events/{event.pk}/").content.decode()
    assert "白川地域コミュニティセンター 和室" in page and "中央区白川町2-2" in page


def test_drafts_proposals_and_cancelled_events_are_not_found(make_event):
    draft = make_event(publish=False)
    pending = make_event(publish=False)
    Event.objects.filter(pk=pending.pk).update(status="pending")
    cancelled = make_event()
    actions.cancel_event(actor=SYSTEM, event=cancelled, reason="台風のため")
    for event in (draft, pending, cancelled):
        assert Client().get(f"/events/{event.pk}/").status_code == 404
    assert Client().get("/events/999999/").status_code == 404


# --- Registering ------------------------------------------------------------------------------


def test_registering_needs_a_login_and_comes_back_to_the_event(course):
    answer = Client().post(f"/events/{course.pk}/register/", {"party_size": 1})
    assert answer.status_code == 302
    assert answer.url == f"/accounts/login/?next=/events/{course.pk}/register/"
    assert not Registration.objects.exists()


def test_after_logging_in_the_register_address_leads_back_to_the_form(course, people):
    answer = client_of(people(1)[0]).get(f"/events/{course.pk}/register/")
    assert answer.status_code == 302 and answer.url == f"/events/{course.pk}/#register"


def test_a_party_registers_answering_the_questions_and_gets_a_code_and_qr(
    course, people, django_capture_on_commit_callbacks
):
    person = people(1)[0]
    allergy, wishes = question_ids(course)
    client = client_of(person)
    page = client.get(f"/events/{course.pk}/").content.decode()
    assert "食物アレルギーはありますか" in page and "参加する方は全員、対象年齢（10歳以上）です" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/events/{course.pk}/register/",
            {
                "party_size": "2",
                f"q_{allergy}": "あり",
                f"q_{wishes}": "  車いすで参加します ",
                "age_confirmed": "on",
            },
        )
    registration = Registration.objects.get()
    assert answer.status_code == 302 and answer.url == f"/events/registrations/{registration.pk}/"
    assert (registration.party_size, registration.status) == (2, "confirmed")
    assert registration.answers == {str(allergy): "あり", str(wishes): "車いすで参加します"}
    page = client.get(answer.url).content.decode()
    assert registration.code in page and "<svg" in page
    assert f'aria-label="受付番号 {registration.code} のQRコード"' in page
    # The mail carries the code and the QR code as a PNG; its link is the registration's page.
    [message] = mail.outbox
    assert message.to == [person.email] and registration.code in message.body
    assert f"/events/registrations/{registration.pk}/" in message.body and "/api/" not in message.body
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == (f"{registration.code}.png", "image/png") and content.startswith(b"\x89PNG")


def test_the_qr_code_holds_the_code(course, people):
    from machi.events.codes import qr_png, qr_svg

    assert qr_png("ABC234").startswith(b"\x89PNG")
    svg = str(qr_svg("ABC234"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "ABC234" in svg


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "「食物アレルギーはありますか」に回答してください"),
        ({"allergy": "たぶん"}, "選択肢（なし、あり）から選んでください"),
    ],
)
def test_a_required_question_left_empty_or_a_strange_choice_is_refused_on_the_form(
    course, people, answers, message
):
    allergy, _wishes = question_ids(course)
    data = {"party_size": "1", "age_confirmed": "on"}
    if "allergy" in answers:
        data[f"q_{allergy}"] = answers["allergy"]
    answer = client_of(people(1)[0]).post(f"/events/{course.pk}/register/", data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Registration.objects.exists()


def test_the_age_confirmation_is_required_where_the_event_has_ages(course, people):
    allergy, _wishes = question_ids(course)
    answer = client_of(people(1)[0]).post(
        f"/events/{course.pk}/register/", {"party_size": "1", f"q_{allergy}": "なし"}
    )
    assert answer.status_code == 400
    assert "対象年齢を確認して、チェックを入れてください。" in answer.content.decode()
    assert not Registration.objects.exists()


def test_a_party_over_the_limit_is_refused(course, people):
    allergy, _wishes = question_ids(course)
    answer = client_of(people(1)[0]).post(
        f"/events/{course.pk}/register/", {"party_size": "4", f"q_{allergy}": "なし", "age_confirmed": "on"}
    )
    assert answer.status_code == 400 and not Registration.objects.exists()


def test_a_second_registration_shows_the_first_not_an_error(make_event, people):
    """A double submit, or a press again after an answer that never came: their registration, once."""
    event = make_event()
    person = people(1)[0]
    first = actions.register(actor=person, event=event, party_size=1)
    client = client_of(person)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert first.code in page and "この催しに申し込んでいます" in page
    answer = client.post(f"/events/{event.pk}/register/", {"party_size": "1"}, follow=True)
    assert answer.redirect_chain == [(f"/events/registrations/{first.pk}/", 302)]
    shown = answer.content.decode()
    assert "この催しにはすでに申し込んでいます" in shown and first.code in shown
    assert Registration.objects.count() == 1


def test_a_full_event_takes_the_party_on_its_waiting_list(make_event, people):
    event = make_event(capacity_seats=1, max_party=1)
    first, second = people(2)
    actions.register(actor=first, event=event, party_size=1)
    client = client_of(second)
    assert "キャンセル待ちになり" in client.get(f"/events/{event.pk}/").content.decode()
    answer = client.post(f"/events/{event.pk}/register/", {"party_size": "1"})
    assert "キャンセル待ちで受け付けました" in client.get(answer.url).content.decode()


def test_an_event_not_yet_open_says_when_it_opens(make_event, people):
    later = timezone.now() + datetime.timedelta(days=3)
    event = make_event(**window(registration_opens_at=later))
    page = client_of(people(1)[0]).get(f"/events/{event.pk}/").content.decode()
    assert "申込の受付は" in page and 'action="/events/' not in page.split("register-heading")[1]


# --- My registrations and cancelling ----------------------------------------------------------


def test_my_registrations_show_each_code_and_qr_and_only_mine(make_event, people):
    mine_event, other_event = make_event(title="私の講座"), make_event(title="他人の講座")
    me, someone = people(2)
    mine = actions.register(actor=me, event=mine_event, party_size=2)
    theirs = actions.register(actor=someone, event=other_event, party_size=1)
    client = client_of(me)
    page = client.get("/events/mine/").content.decode()
    assert "私の講座" in page and mine.code in page and page.count("<svg") == 1
    assert "他人の講座" not in page and theirs.code not in page
    assert client.get(f"/events/registrations/{theirs.pk}/").status_code == 404
    assert client.get(f"/events/registrations/{theirs.pk}/cancel/").status_code == 404
    assert Client().get("/events/mine/").status_code == 302


def test_cancelling_asks_first_then_cancels(make_event, people):
    event = make_event()
    me = people(1)[0]
    registration = actions.register(actor=me, event=event, party_size=2)
    client = client_of(me)
    page = client.get(f"/events/registrations/{registration.pk}/cancel/").content.decode()
    assert "申込を取り消す" in page and registration.code in page
    assert Registration.objects.get().status == "confirmed"
    answer = client.post(f"/events/registrations/{registration.pk}/cancel/")
    assert answer.status_code == 302 and answer.url == "/events/mine/"
    assert Registration.objects.get().status == "cancelled"
    event.refresh_from_db()
    assert event.seats_taken == 0
    assert "取り消しました" in client.get("/events/mine/").content.decode()


def test_after_the_deadline_the_page_says_to_call_the_ward(make_event, people):
    event = make_event(contact="中央区役所 096-328-2111")
    me = people(1)[0]
    registration = actions.register(actor=me, event=event, party_size=1)
    Event.objects.filter(pk=event.pk).update(cancel_until=timezone.now() - datetime.timedelta(minutes=1))
    client = client_of(me)
    page = client.get(f"/events/registrations/{registration.pk}/cancel/").content.decode()
    assert "取消の期限" in page and "お電話ください" in page and "096-328-2111" in page
    client.post(f"/events/registrations/{registration.pk}/cancel/")
    assert Registration.objects.get().status == "confirmed"


def test_the_promotion_mail_leads_to_my_registrations_not_the_api(
    make_event, people, django_capture_on_commit_callbacks
):
    event = make_event(capacity_seats=1, max_party=1)
    first, second = people(2)
    held = actions.register(actor=first, event=event, party_size=1)
    actions.register(actor=second, event=event, party_size=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel(actor=first, registration=held)
    [message] = mail.outbox
    assert message.to == [second.email]
    assert "/events/mine/" in message.body and "/api/" not in message.body
