"""A person's download holds their event registrations, and only theirs."""

from machi.accounts.privacy import personal_data
from machi.events import actions


def test_a_persons_download_lists_their_registrations(make_event, people):
    event = make_event()
    alice, bob = people(2)
    mine = actions.register(actor=alice, event=event, party_size=2)
    actions.register(actor=bob, event=event, party_size=1)

    [row] = personal_data(alice)["event_registrations"]
    assert (row["code"], row["party_size"], row["event__title"]) == (mine.code, 2, "防災講座")


def test_a_persons_download_lists_their_check_ins_and_lottery_places(make_event, people):
    from machi.accounts.actors import SYSTEM

    event = make_event()
    [alice] = people(1)
    mine = actions.register(actor=alice, event=event, party_size=1)
    actions.check_in(
        actor=SYSTEM, event=event, session=event.sessions.get(), code=mine.code, fee_paid_yen=300
    )

    data = personal_data(alice)
    [checkin] = data["event_checkins"]
    assert (checkin["registration__code"], checkin["session__position"]) == (mine.code, 1)
    assert data["event_registrations"][0]["fee_paid_yen"] == 300


def test_an_account_with_a_registration_to_come_is_not_deleted_until_it_is_cancelled(make_event, people):
    from machi.accounts.privacy import deletion_refusals

    event = make_event()
    [alice] = people(1)
    mine = actions.register(actor=alice, event=event, party_size=1)
    assert any("これからの催しの申込が1件" in reason for reason in deletion_refusals(alice))

    actions.cancel(actor=alice, registration=mine)
    assert deletion_refusals(alice) == []


def test_forgetting_a_person_erases_their_answers_and_keeps_the_party(make_event, people):
    from machi.accounts.actors import SYSTEM
    from machi.events.models import Registration
    from machi.events.privacy import forget_person

    event = make_event()
    question = event.questions.create(text="アレルギー", kind="text")
    [alice] = people(1)
    mine = actions.register(actor=alice, event=event, party_size=2, answers={question.pk: "そば"})
    assert Registration.objects.get(pk=mine.pk).answers == {str(question.pk): "そば"}

    forget_person(alice, actor=SYSTEM)
    kept = Registration.objects.get(pk=mine.pk)
    assert (kept.answers, kept.party_size, kept.status, kept.person_id) == ({}, 2, "confirmed", alice.pk)


def test_retention_erases_who_registered_for_events_long_over_once(make_event, people, staff):
    import datetime

    from django.utils import timezone

    from machi.accounts.actors import SYSTEM
    from machi.audit.models import AuditEntry
    from machi.events.models import Registration
    from machi.events.privacy import anonymise_expired

    event = make_event()
    [alice] = people(1)
    own = actions.register(actor=alice, event=event, party_size=1)
    caller = actions.register(
        actor=staff, event=event, party_size=2, caller=("熊本 花子", "くまもと はなこ", "096-000-0000")
    )
    actions.check_in(actor=SYSTEM, event=event, session=event.sessions.get(), code=caller.code)
    last_end = event.sessions.get().ends_at
    before_end = timezone.localdate(last_end)
    assert anonymise_expired(before_end, actor=SYSTEM) == 0  # the event had not ended by then

    after_end = before_end + datetime.timedelta(days=1)
    assert anonymise_expired(after_end, actor=SYSTEM) == 2
    rows = {r.pk: r for r in Registration.objects.filter(event=event)}
    assert (rows[own.pk].person_id, rows[own.pk].party_size) == (None, 1)
    erased = rows[caller.pk]
    assert (erased.caller_name, erased.caller_kana, erased.caller_phone, erased.party_size) == ("", "", "", 2)
    assert erased.checkins.count() == 1  # attendance stays, for the outcomes
    assert AuditEntry.objects.filter(action="events.anonymise_registration").count() == 2
    assert anonymise_expired(after_end, actor=SYSTEM) == 0
