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
