"""Open311 service definitions carry a category's own questions (GeoReport v2 attributes), and POST
requests answers them as attribute[code]=value (attribute[code][]=… for several), checked: a missing
required answer, a wrong type or a value not offered is the standard's error list, in Japanese, and
nothing is written."""

import xml.etree.ElementTree as ET

import pytest

from machi.accounts.actions import create_token
from machi.requests.models import Request

from .conftest import CITY_HALL

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
QUESTIONS = [
    {
        "code": "pole_number",
        "label": "街灯の番号",
        "datatype": "string",
        "required": False,
        "description": "柱に貼られた番号（例: 中央 123）",
        "values": [],
    },
    {
        "code": "lamp_state",
        "label": "街灯の状態",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "いちばん近いものを選んでください",
        "values": [{"key": "off", "name": "夜に点かない"}, {"key": "blinking", "name": "点滅している"}],
    },
    {
        "code": "hazards",
        "label": "周りの危険",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "school", "name": "通学路"}, {"key": "crossing", "name": "交差点"}],
    },
    {"code": "poles", "label": "消えている本数", "datatype": "number", "required": False},
    {"code": "since", "label": "気づいた日時", "datatype": "datetime", "required": False},
]


@pytest.fixture
def lights(road):
    road.attributes = QUESTIONS
    road.save()
    return road


@pytest.fixture
def api_key(people):
    [alice] = people(1)
    return create_token(actor=alice, user=alice)[1]


def submit(client, api_key, fmt="json", **answers):
    body = {
        "api_key": api_key,
        "service_code": "431010-road",
        "lat": CITY_HALL[0],
        "long": CITY_HALL[1],
        "description": "街灯が消えています",
    }
    return client.post(BASE + f"requests.{fmt}", body | answers)


def test_the_service_definition_lists_the_questions_in_json(client, lights):
    answer = client.get(BASE + "services/431010-road.json").json()
    assert answer["service_code"] == "431010-road"
    state = answer["attributes"][1]
    assert state == {
        "variable": True,
        "code": "lamp_state",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "いちばん近いものを選んでください",
        "order": 2,
        "description": "街灯の状態",
        "values": [{"key": "off", "name": "夜に点かない"}, {"key": "blinking", "name": "点滅している"}],
    }
    assert [a["code"] for a in answer["attributes"]] == [
        "pole_number",
        "lamp_state",
        "hazards",
        "poles",
        "since",
    ]
    [service] = client.get(BASE + "services.json").json()
    assert service["metadata"] is True


def test_the_service_definition_lists_the_questions_in_xml(client, lights):
    response = client.get(BASE + "services/431010-road.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "431010-road"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes][:2] == ["pole_number", "lamp_state"]
    state = attributes[1]
    assert (state.findtext("variable"), state.findtext("required"), state.findtext("order")) == (
        "true",
        "true",
        "2",
    )
    assert [(v.findtext("key"), v.findtext("name")) for v in state.findall("values/value")] == [
        ("off", "夜に点かない"),
        ("blinking", "点滅している"),
    ]
    services = ET.fromstring(client.get(BASE + "services.xml").content)
    assert services.find("service").findtext("metadata") == "true"


def test_a_category_without_questions_has_no_metadata(client, road):
    [service] = client.get(BASE + "services.json").json()
    assert service["metadata"] is False
    assert client.get(BASE + "services/431010-road.json").json()["attributes"] == []


def test_answers_are_checked_and_stored(client, lights, api_key):
    response = submit(
        client,
        api_key,
        **{
            "attribute[lamp_state]": "off",
            "attribute[pole_number]": " 中央 123 ",
            "attribute[hazards][]": ["school", "crossing"],
            "attribute[poles]": "２",
            "attribute[since]": "2026-06-01T21:30+09:00",
        },
    )
    assert response.status_code == 200, response.content.decode()
    made = Request.objects.get()
    assert made.attributes == {
        "pole_number": "中央 123",
        "lamp_state": "off",
        "hazards": ["school", "crossing"],
        "poles": "2",
        "since": "2026-06-01T21:30+09:00",
    }


def test_a_choice_may_be_given_by_its_name_too(client, lights, api_key):
    assert submit(client, api_key, **{"attribute[lamp_state]": "点滅している"}).status_code == 200
    assert Request.objects.get().attributes == {"lamp_state": "blinking"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_answers_are_the_standards_error_list_in_japanese_and_write_nothing(client, lights, api_key, fmt):
    response = submit(
        client,
        api_key,
        fmt,
        **{
            "attribute[hazards][]": ["school", "river"],
            "attribute[poles]": "たくさん",
            "attribute[since]": "昨日",
            "attribute[colour]": "red",
        },
    )
    assert response.status_code == 400
    if fmt == "json":
        errors = response.json()
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        errors = [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
    descriptions = [error["description"] for error in errors]
    assert all(error["code"] == 400 for error in errors)
    assert "「colour」という項目はこの種類にはありません" in descriptions
    assert "「街灯の状態」は必須です" in descriptions
    assert any("「周りの危険」の選択肢にない値です" in d for d in descriptions)
    assert "「消えている本数」は数値で指定してください" in descriptions
    assert any("「気づいた日時」は日時" in d for d in descriptions)
    assert not Request.objects.exists()


def test_one_value_only_for_a_single_choice(client, lights, api_key):
    response = submit(client, api_key, **{"attribute[lamp_state][]": ["off", "blinking"]})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "「街灯の状態」は1つだけ指定してください"}]
    assert not Request.objects.exists()
