"""The events pages in English: the listing and an event's page speak it when asked (the language cookie)."""

from django.test import Client


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_the_listing_and_the_event_page_speak_english(make_event):
    event = make_event(title_en="Disaster preparedness course", fee_yen=None)
    listing = english().get("/events/").content.decode()
    assert 'lang="en"' in listing
    for words in (
        "Find events, courses and drills",
        "Ward",
        "Free seats only",
        "1 event",
        "Free",
        "10 seats left",
    ):
        assert words in listing, words
    page = english().get(f"/events/{event.pk}/").content.decode()
    for words in (
        "Disaster preparedness course",
        "Application period",
        "Cancel until",
        "Log in to register",
        "中央区 office",
        "Who may come",
        "Fee",
    ):
        assert words in page, words
    assert "申込期間" not in page and "ログインして申し込む" not in page
