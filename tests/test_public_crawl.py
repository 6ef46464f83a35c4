"""The public sees roles, never people: a crawl of everything an anonymous visitor can reach.

People with recognisable names, emails and phones go through every service (a figure changed
by staff through the API and the admin, bookings — one on behalf of a caller —, a lottery
entry, a group, a grant from application to payment and repayment), each with free text that
names someone. Then every public page reachable by links from `/`, every public read of the API
(from its OpenAPI description), the room's iCal feed and every report download (CSV, XLSX, PDF,
the open-data zip) is read, and none of those names, addresses, phones, usernames or free texts
may appear in any of them: compared after NFKC, without spaces and hyphens, so 090-1234-5678
is found as ０９０１２３４５６７８ too.
"""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from tests.crawl_support import OPEN_DAY, SECRETS, build_world, crawl, normal

from machi.grants.models import GrantProgramme


@pytest.fixture
def world(kumamoto, django_user_model):
    """Every service used once by people who must stay private; returns what the crawl starts from."""
    return build_world(django_user_model)


def _public_api_urls(client: Client, world) -> list[str]:
    """Every GET of the OpenAPI description that needs no authentication, with the world's ids."""
    schema = client.get("/api/openapi.json").json()
    values = {
        "project_id": world["project_ids"],
        "room_id": [world["room"].pk],
        "centre_id": [world["centre"].pk],
        "event_id": [world["event"].pk],
        "programme_id": list(GrantProgramme.objects.values_list("pk", flat=True)),
    }
    urls = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("security"):
            continue
        query = (
            "?from=2027-01-11&to=2027-01-17" if "from" in json.dumps(operation.get("parameters", [])) else ""
        )
        names = re.findall(r"{(\w+)}", path)
        assert set(names) <= set(values), f"{path}: no ids to try for {set(names) - set(values)}"
        expanded = [path]
        for name in names:
            expanded = [p.replace(f"{{{name}}}", str(v)) for p in expanded for v in values[name]]
        urls += [p + query for p in expanded]
    return urls


def test_no_public_page_feed_api_answer_or_download_names_a_person_or_repeats_free_text(world):
    client = Client()
    room, lottery = world["room"], world["lottery"]
    starts = [
        "/",
        reverse("facilities:room_week", args=[room.pk]) + f"?date={OPEN_DAY:%Y-%m-%d}",
        reverse("facilities:room", args=[room.pk]) + "?month=2027-01",
        reverse("facilities:room_feed", args=[room.pk]),
        reverse("facilities:lottery-detail", args=[lottery.pk]),
        reverse("facilities:lottery-log", args=[lottery.pk]),
        *(reverse("ledger:project", args=[pk]) for pk in world["project_ids"]),
    ]
    api_urls = _public_api_urls(client, world)
    read = crawl(client, starts + api_urls).texts

    # The crawl reached what it must have: the projects, the feeds, the API and each kind of download.
    for must in [*starts, *api_urls]:
        assert must in read, f"not read: {must}"
    suffixes = {urlsplit(url).path.rsplit(".", 1)[-1] for url in read}
    assert {"csv", "xlsx", "pdf", "zip", "ics", "json"} <= suffixes, suffixes
    leaks = []
    for url, texts in read.items():
        text = normal(" ".join(texts))
        leaks += [(url, secret) for secret in SECRETS if normal(secret) in text]
    assert not leaks, "\n".join(f"{url}: {secret}" for url, secret in leaks)

    # What the public is told instead: the posting's kind and number, and the office.
    project_page = normal(" ".join(read[reverse("ledger:project", args=[world["project_ids"][2]])]))
    number = world["application"].number
    assert normal(f"補助金の支払い（申請番号 {number}）") in project_page
    assert normal(f"補助金の返還（申請番号 {number}）") in project_page
    assert normal("西区役所") in project_page
    nishi_report = normal(" ".join(read[reverse("reports:ward", args=[2022, world["wards"][1].code])]))
    assert normal("理由は区が記録しています") in nishi_report
