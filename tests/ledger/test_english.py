"""Japanese first, English available: the pages switch language and every message is translated."""

from pathlib import Path

from babel.messages.pofile import read_po

import machi

PO = Path(machi.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_has_an_english_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    untranslated = [
        m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert untranslated == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def test_the_ward_page_speaks_english_when_asked(client, kumamoto):
    client.cookies["django_language"] = "en"
    page = client.get("/2022/431010/").content.decode()
    assert "Execution rate" in page and "Subtotal" in page
    assert 'lang="en"' in page
    client.cookies["django_language"] = "ja"
    page = client.get("/2022/431010/").content.decode()
    assert "執行率" in page and 'lang="ja"' in page


def test_japanese_is_the_default_whatever_the_browser_prefers_first(client, kumamoto):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "市の合計" in page
