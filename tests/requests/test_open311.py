"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests in JSON and XML, POST with a
Machi token, errors in the standard's list."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from machi.accounts.actions import create_token
from machi.accounts.actors import SYSTEM
from machi.requests import actions
from machi.requests.models import Category, Request

from .conftest import CITY_HALL

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"


@pytest.fixture
def hidden(chuo):
    return Category.objects.create(ward=chuo, code="staff", name="内部用", public=False)


@pytest.fixture
def some(road, staff, people):
    [alice] = people(1)
    now = timezone.now()
    made = [
        actions.submit_request(
            actor=alice,
            category=road,
            description=f"穴 {n}",
            latitude=CITY_HALL[0],
            longitude=CITY_HALL[1],
            address="手取本町１－１",
            now=now,
        )
        for n in range(3)
    ]
    actions.change_status(
        actor=staff, request=made[0], to="resolved", expected_version=1, public_note="補修しました"
    )
    return made


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def test_discovery_in_json_and_xml(client):
    body = client.get(BASE + "discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2/")
    root = xml(client.get(BASE + "discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services_are_the_public_categories_with_the_ward_as_jurisdiction(client, road, hidden, higashi):
    Category.objects.create(ward=higashi, code="road", name="道路（東区）")
    every = client.get(BASE + "services.json").json()
    assert [s["service_code"] for s in every] == ["431010-road", "431028-road"]
    chuo = client.get(BASE + "services.json", {"jurisdiction_id": "431010"}).json()
    assert chuo == [
        {
            "service_code": "431010-road",
            "service_name": "道路の破損",
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "道路",
        }
    ]
    root = xml(client.get(BASE + "services.xml", {"jurisdiction_id": "431010"}))
    assert root.tag == "services"
    assert [(s.findtext("service_code"), s.findtext("metadata")) for s in root] == [("431010-road", "false")]
    definition = client.get(BASE + "services/431010-road.json").json()
    assert definition == {"service_code": "431010-road", "attributes": []}
    assert xml(client.get(BASE + "services/431010-road.xml")).findtext("service_code") == "431010-road"


def test_requests_are_listed_filtered_and_paged_in_a_constant_number_of_queries(client, some, road):
    rows = client.get(BASE + "requests.json").json()
    assert [r["service_request_id"] for r in rows] == ["431010-2026-3", "431010-2026-2", "431010-2026-1"][
        : len(rows)
    ]
    assert {r["status"] for r in rows} == {"open", "closed"}
    closed = client.get(BASE + "requests.json", {"status": "closed"}).json()
    assert [(r["service_request_id"], r["status_notes"]) for r in closed] == [
        (some[0].service_request_id, "補修しました")
    ]
    assert len(client.get(BASE + "requests.json", {"status": "open"}).json()) == 2
    assert (
        len(client.get(BASE + "requests.json", {"service_code": "431010-road", "page_size": 2}).json()) == 2
    )
    assert len(client.get(BASE + "requests.json", {"page_size": 2, "page": 2}).json()) == 1
    assert client.get(BASE + "requests.json", {"start_date": "2030-01-01T00:00:00+09:00"}).json() == []
    # Personal data and free text never leave; the location is rounded.
    assert rows[0]["description"] == "" and rows[0]["address"] == ""
    assert (rows[0]["lat"], rows[0]["long"]) == (32.803, 130.708)
    with CaptureQueriesContext(connection) as three:
        client.get(BASE + "requests.json")
    assert len(three) == 2  # the requests with their ward and category, and their public notes
    for n in range(5):
        actions.submit_request(actor=SYSTEM, category=road, description=f"追加 {n}", address="新町")
    with CaptureQueriesContext(connection) as eight:
        assert len(client.get(BASE + "requests.json").json()) == 8
    assert len(eight) == len(three), [q["sql"][:150] for q in eight.captured_queries]


def test_requests_and_one_request_in_xml(client, some):
    root = xml(client.get(BASE + "requests.xml"))
    assert root.tag == "service_requests" and len(root) == 3
    assert {r.findtext("status") for r in root} == {"open", "closed"}
    one = client.get(BASE + f"requests/{some[1].service_request_id}.json").json()
    assert [r["service_request_id"] for r in one] == ["431010-2026-2"]
    assert (
        xml(client.get(BASE + "requests/431010-2026-2.xml")).find("request").findtext("service_code")
        == "431010-road"
    )


def test_a_hidden_category_and_its_requests_are_not_shown(client, hidden):
    made = actions.submit_request(actor=SYSTEM, category=hidden, description="x", address="新町")
    assert client.get(BASE + "requests.json").json() == []
    assert client.get(BASE + f"requests/{made.service_request_id}.json").status_code == 404
    assert client.get(BASE + "services/431010-staff.json").status_code == 404


def test_post_with_a_machi_token_submits_a_request(client, road, people):
    [alice] = people(1)
    _token, plain = create_token(actor=alice, user=alice)
    response = client.post(
        BASE + "requests.json",
        {
            "api_key": plain,
            "service_code": "431010-road",
            "lat": CITY_HALL[0],
            "long": CITY_HALL[1],
            "description": "カーブミラーが曲がっています",
            "email": "other@example.jp",
            "first_name": "X",
        },
    )
    assert response.status_code == 200
    [answer] = response.json()
    made = Request.objects.get()
    assert answer["service_request_id"] == made.service_request_id == "431010-" + f"{made.fiscal_year}-1"
    assert "第1号" in answer["service_notice"]
    assert made.requester == alice
    root = xml(
        client.post(
            BASE + "requests.xml",
            {"api_key": plain, "service_code": "431010-road", "address_string": "新町", "description": "x"},
        )
    )
    assert root.find("request").findtext("service_request_id").endswith("-2")


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": "bad"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "431010-none"}, 404, "service_code"),
        ({"lat": "33.5", "long": "130.7"}, 400, "熊本市の外"),
        ({"lat": "", "long": ""}, 400, "場所"),
        ({"description": "あ" * 4001}, 400, "4000文字以内"),
        ({"jurisdiction_id": "999999"}, 404, "jurisdiction_id"),
    ],
)
def test_errors_come_in_the_standards_list(client, road, people, fields, status, words):
    [alice] = people(1)
    _token, plain = create_token(actor=alice, user=alice)
    body = {
        "api_key": plain,
        "service_code": "431010-road",
        "lat": CITY_HALL[0],
        "long": CITY_HALL[1],
        "description": "x",
    } | fields
    response = client.post(BASE + "requests.json", body)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and words in error["description"]
    assert Request.objects.count() == 0
    root = xml(client.post(BASE + "requests.xml", body))
    assert root.tag == "errors" and root.find("error").findtext("code") == str(status)


@pytest.mark.parametrize(
    "query", [{"status": "fixed"}, {"page_size": "0"}, {"page_size": "1001"}, {"start_date": "yesterday"}]
)
def test_bad_listing_parameters_are_400s(client, query):
    response = client.get(BASE + "requests.json", query)
    assert response.status_code == 400 and response.json()[0]["code"] == 400


def test_an_unknown_request_and_format(client, road):
    assert client.get(BASE + "requests/431010-2026-99.json").json()[0]["code"] == 404
    assert client.get(BASE + "requests/nonsense.json").status_code == 404
    assert client.get(BASE + "services.csv").status_code == 404
