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
