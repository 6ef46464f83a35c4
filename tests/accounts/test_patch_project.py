"""PATCH /api/projects/{id}: staff of the project's ward or a city administrator change its figures.

Every refusal leaves the figures and the history as they were.
"""

import json

import pytest
from django.test import Client
from tests.accounts.conftest import ALLOWED_FOR_NISHI, REFUSED_FOR_NISHI

from machi.accounts.actions import create_token, revoke_token
from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.ledger.models import FigureChange, Project


def bearer(user) -> Client:
    _, plain = create_token(actor=SYSTEM, user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def patch(client: Client, project_id, body, *, raw: bool = False, **headers):
    data = body if raw else json.dumps(body, ensure_ascii=False)
    return client.patch(f"/api/projects/{project_id}", data, content_type="application/json", **headers)


def figures(project: Project) -> tuple:
    project.refresh_from_db()
    return project.initial_yen, project.revised_yen, project.settled_yen


@pytest.fixture
def project(people):
    return people["nishi_project"]


def assert_unchanged(project: Project, before: tuple, history: int):
    assert figures(project) == before
    assert FigureChange.objects.filter(project=project).count() == history


def test_ward_staff_change_a_figure_and_it_lands_in_the_history_with_who_and_why(people, project):
    _, revised, _ = figures(project)
    response = patch(bearer(people["nishi_staff"]), project.pk, {"settled": 123_456, "reason": "決算の確定"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == Client().get(f"/api/projects/{project.pk}").json()  # the same shape as GET
    assert body["settled"] == 123_456 and body["revised"] == revised
    last = body["history"][-1]
    assert (last["stage"], last["new"], last["changed_by"], last["reason"]) == (
        "settled",
        123_456,
        "西区役所",  # the public is told the office; the person and the typed reason stay below, for staff
        "決算",
    )
    change = FigureChange.objects.filter(project=project).latest("pk")
    assert (change.changed_by, change.reason, change.new_yen) == (
        people["nishi_staff"],
        "決算の確定",
        123_456,
    )
    audit = AuditEntry.objects.filter(action="ledger.set_figures").latest("pk")
    assert (audit.actor, audit.object_id, audit.after["settled_yen"]) == (
        people["nishi_staff"],
        str(project.pk),
        123_456,
    )


@pytest.mark.parametrize("who", ALLOWED_FOR_NISHI)
def test_staff_of_the_ward_and_a_city_admin_may_change_it(people, project, who):
    response = patch(bearer(people[who]), project.pk, {"initial": 2_345_678, "reason": "増額"})
    assert response.status_code == 200, response.content
    assert figures(project)[0] == 2_345_678
    office = "熊本市役所" if who == "city_admin" else "西区役所"
    assert response.json()["history"][-1]["changed_by"] == office


@pytest.mark.parametrize("who", REFUSED_FOR_NISHI)
def test_anyone_else_signed_in_is_refused_with_403_and_nothing_changes(people, project, who):
    before, history = figures(project), FigureChange.objects.filter(project=project).count()
    response = patch(bearer(people[who]), project.pk, {"settled": 1, "reason": "書き換え"})
    assert response.status_code == 403
    assert response.json() == {"detail": "西区の事業の金額を変更する権限がありません", "code": "scope.ward"}
    assert_unchanged(project, before, history)


def test_null_means_not_budgeted_and_a_figure_left_out_is_unchanged(people, project):
    initial, revised, settled = figures(project)
    response = patch(bearer(people["nishi_staff"]), project.pk, {"revised": None, "reason": "補正で皆減"})
    assert response.status_code == 200
    assert figures(project) == (initial, None, settled)
    last = response.json()["history"][-1]
    assert (last["stage"], last["old"], last["new"]) == ("revised", revised, None)


def test_zero_is_kept_as_zero_not_as_none(people, project):
    response = patch(bearer(people["nishi_staff"]), project.pk, {"settled": 0, "reason": "中止"})
    assert response.status_code == 200
    assert response.json()["settled"] == 0 and figures(project)[2] == 0


def test_several_figures_change_at_once_each_with_its_entry(people, project):
    client = bearer(people["city_admin"])
    response = patch(client, project.pk, {"initial": 10, "revised": 20, "settled": 30, "reason": "一括修正"})
    assert response.status_code == 200
    assert figures(project) == (10, 20, 30)
    assert [(h["stage"], h["new"]) for h in response.json()["history"][-3:]] == [
        ("initial", 10),
        ("revised", 20),
        ("settled", 30),
    ]


def test_a_figure_given_with_its_current_value_leaves_no_entry(people, project):
    before, history = figures(project), FigureChange.objects.filter(project=project).count()
    response = patch(bearer(people["nishi_staff"]), project.pk, {"initial": before[0], "reason": "確認"})
    assert response.status_code == 200
    assert_unchanged(project, before, history)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer machi_not-a-real-token"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Basic bmlzaGk6cGFzc3dvcmQ="},
        {"HTTP_AUTHORIZATION": "machi_no-scheme"},
    ],
    ids=["anonymous", "bad-token", "empty-token", "basic", "no-scheme"],
)
def test_without_valid_credentials_it_is_401_and_nothing_changes(project, headers):
    before, history = figures(project), FigureChange.objects.filter(project=project).count()
    response = patch(Client(**headers), project.pk, {"settled": 1, "reason": "x"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"].startswith(("認証が必要です", "トークンが正しくないか、失効しています"))
    assert_unchanged(project, before, history)


def test_a_revoked_token_is_401(people, project):
    token, plain = create_token(actor=SYSTEM, user=people["nishi_staff"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert patch(client, project.pk, {"settled": 5, "reason": "x"}).status_code == 200
    revoke_token(actor=people["nishi_staff"], token=token)
    before = figures(project)
    response = patch(client, project.pk, {"settled": 6, "reason": "y"})
    assert response.status_code == 401
    assert "失効" in response.json()["detail"]
    assert figures(project) == before


def test_the_token_of_a_deactivated_person_is_401(people, project):
    client = bearer(people["nishi_staff"])
    people["nishi_staff"].is_active = False
    people["nishi_staff"].save()
    assert patch(client, project.pk, {"settled": 5, "reason": "x"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("{not json", None, "JSON として読めません"),
        ('["settled", 1]', None, "JSON オブジェクト"),
        ("", None, "本文がありません"),
        ({"settled": -1, "reason": "x"}, "settled", "0以上の整数（円）"),
        ({"settled": 1.5, "reason": "x"}, "settled", "0以上の整数（円）"),
        ({"settled": 1000.0, "reason": "x"}, "settled", "0以上の整数（円）"),
        ({"initial": True, "reason": "x"}, "initial", "0以上の整数（円）"),
        ({"revised": "1000", "reason": "x"}, "revised", "0以上の整数（円）"),
        ({"revised": "１，０００", "reason": "x"}, "revised", "0以上の整数（円）"),
        ({"settled": 10**16, "reason": "x"}, "settled", "1,000,000,000,000,000 円まで"),
        ({"settled": [1], "reason": "x"}, "settled", "0以上の整数（円）"),
        ({"reason": "金額なし"}, None, "変更する金額（initial・revised・settled）を1つ以上"),
        ({"settled": 1}, "reason", "必須です"),
        ({"settled": 1, "reason": ""}, "reason", "入力してください"),
        ({"settled": 1, "reason": " \u3000\n"}, "reason", "入力してください"),
        ({"settled": 1, "reason": "a\x00b"}, "reason", "制御文字"),
        ({"settled": 1, "reason": 42}, "reason", "文字列"),
        ({"settled": 1, "reason": "x" * 1001}, "reason", "1000文字以内"),
        ({"settled": 1, "reason": "x", "settled_yen": 2}, "settled_yen", "受け付けていません"),
        ({"settled": 1, "reason": "x", "changed_by": "city"}, "changed_by", "受け付けていません"),
    ],
)
def test_a_bad_body_is_400_with_a_japanese_message_naming_the_field(people, project, body, field, words):
    before, history = figures(project), FigureChange.objects.filter(project=project).count()
    response = patch(bearer(people["nishi_staff"]), project.pk, body, raw=isinstance(body, str))
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert words in detail
    if field is not None:
        assert f"「{field}」" in detail
        assert any(error["loc"][-1] == field for error in response.json()["errors"])
    assert_unchanged(project, before, history)


def test_an_unknown_project_is_404(people):
    response = patch(bearer(people["city_admin"]), 999_999, {"settled": 1, "reason": "x"})
    assert response.status_code == 404
    assert response.json() == {"detail": "事業が見つかりません（id: 999999）", "code": "not_found"}


@pytest.mark.parametrize("project_id", ["abc", "0", "-1", str(2**70)])
def test_a_project_id_out_of_range_is_400_not_a_server_error(people, project_id):
    response = patch(bearer(people["city_admin"]), project_id, {"settled": 1, "reason": "x"})
    assert response.status_code == 400
    assert "「project_id」" in response.json()["detail"]


def test_validation_errors_are_400_across_the_whole_api(client, people):
    response = client.get("/api/projects?year=abc")
    assert response.status_code == 400
    assert response.json()["detail"] == "「year」（年度）は整数で指定してください"
    assert response.json()["errors"] == [
        {"loc": ["query", "year"], "type": "int_parsing", "msg": "「year」（年度）は整数で指定してください"}
    ]


def test_openapi_documents_the_patch_statuses_and_its_body(client, db):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/projects/{project_id}"]["patch"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404"}
    assert operation["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]
    body = schema["components"]["schemas"]["FiguresIn"]
    assert body["additionalProperties"] is False
    assert body["required"] == ["reason"]
    assert body["properties"]["settled"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 10**15}


@pytest.mark.parametrize("query", ["ward=%E4%B8%AD%00", "theme=a%00b", "ward=%0A"])
def test_control_characters_in_a_search_are_400_not_a_server_error(client, db, query):
    """PostgreSQL refuses NUL in a query: the API refuses it first, naming the parameter."""
    response = client.get(f"/api/projects?{query}")
    assert response.status_code == 400
    assert response.json()["detail"] in (
        "「ward」（区）に制御文字は使えません",
        "「theme」（テーマ）に制御文字は使えません",
    )
