"""Who the API lets in: reads are public; everything else takes a personal token or a session with CSRF."""

import json

import pytest
from django.test import Client

from machi.accounts.actions import create_token, user_for_token
from machi.accounts.actors import SYSTEM
from machi.accounts.models import ApiToken
from machi.ledger.models import FigureChange

PUBLIC_READS = {
    ("get", "/api/wards"),
    ("get", "/api/programmes"),
    ("get", "/api/projects"),
    ("get", "/api/projects/{project_id}"),
    ("get", "/api/centres"),
    ("get", "/api/rooms/{room_id}/availability"),
    ("get", "/api/grants/programmes"),
    ("get", "/api/events"),
    ("get", "/api/events/{event_id}"),
    ("get", "/api/events/{event_id}/lottery"),
    # A quote computes the grant rule on the numbers given and writes nothing.
    ("post", "/api/grants/programmes/{programme_id}/quote"),
}


def bearer(user) -> tuple[Client, ApiToken]:
    token, plain = create_token(actor=SYSTEM, user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}"), token


def session(user) -> tuple[Client, str]:
    """A signed-in browser that enforces CSRF as a real one would, and the CSRF token its pages carry."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/docs")  # the docs page hands out the CSRF cookie, like every page with a form
    return client, client.cookies["csrftoken"].value


def patch(client, project, body, **headers):
    return client.patch(
        f"/api/projects/{project.pk}",
        json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        **headers,
    )


def test_only_the_public_reads_are_public_every_other_operation_requires_authentication(client, db):
    schema = client.get("/api/openapi.json").json()
    operations = {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    public = {key for key, operation in operations.items() if not operation.get("security")}
    assert public == PUBLIC_READS
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for key, operation in operations.items():
        if key not in PUBLIC_READS:
            assert "401" in operation["responses"], key


@pytest.mark.parametrize("path", ["/api/wards", "/api/projects", "/api/programmes"])
def test_reads_need_no_credentials_and_ignore_a_bad_one(kumamoto, path):
    assert Client().get(path).status_code == 200
    assert Client(HTTP_AUTHORIZATION="Bearer machi_wrong").get(path).status_code == 200


# --- Sessions and CSRF -------------------------------------------------------------------


def test_a_session_with_the_csrf_token_may_patch(people):
    project = people["nishi_project"]
    client, csrf = session(people["nishi_staff"])
    response = patch(client, project, {"settled": 777, "reason": "画面から"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    assert FigureChange.objects.filter(project=project).latest("pk").changed_by == people["nishi_staff"]


@pytest.mark.parametrize(
    "csrf", [None, "", "x" * 32, "wrong-token-of-the-right-length-abcdefghijklmnopqrstuv"]
)
def test_a_session_without_a_valid_csrf_token_is_refused_with_403(people, csrf):
    project = people["nishi_project"]
    before = FigureChange.objects.filter(project=project).count()
    client, _ = session(people["nishi_staff"])
    headers = {} if csrf is None else {"HTTP_X_CSRFTOKEN": csrf}
    response = patch(client, project, {"settled": 777, "reason": "偽の画面から"}, **headers)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF の確認に失敗しました")
    assert FigureChange.objects.filter(project=project).count() == before


def test_a_session_may_read_its_own_account_without_csrf(people):
    client, _ = session(people["nishi_staff"])
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "nishi"


def test_a_token_needs_no_csrf_token(people):
    client, _ = bearer(people["nishi_staff"])
    client.handler.enforce_csrf_checks = True
    assert patch(client, people["nishi_project"], {"settled": 9, "reason": "連携"}).status_code == 200


def test_a_bad_token_is_refused_even_beside_a_valid_session(people):
    client, csrf = session(people["nishi_staff"])
    response = patch(
        client,
        people["nishi_project"],
        {"settled": 9, "reason": "x"},
        HTTP_X_CSRFTOKEN=csrf,
        HTTP_AUTHORIZATION="Bearer machi_revoked-or-wrong",
    )
    assert response.status_code == 401


def test_a_logged_out_session_is_401(people):
    client, csrf = session(people["nishi_staff"])
    client.logout()
    response = patch(client, people["nishi_project"], {"settled": 9, "reason": "x"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 401


def test_the_docs_page_sends_the_csrf_token_with_its_requests(people):
    client, _ = session(people["nishi_staff"])
    page = client.get("/api/docs").content.decode()
    assert 'data-api-csrf="true"' in page and 'data-csrf-token=""' not in page


# --- /api/me ---------------------------------------------------------------------------


def test_me_tells_who_calls_with_which_roles(people):
    client, _ = bearer(people["two_ward_staff"])
    body = client.get("/api/me").json()
    assert body["username"] == "both" and body["city_admin"] is False
    assert [(r["role"], r["ward"], r["ward_code"]) for r in body["roles"]] == [
        ("ward-staff", "東区", "431028"),
        ("ward-staff", "西区", "431036"),
    ]
    admin = bearer(people["city_admin"])[0].get("/api/me").json()
    assert admin["city_admin"] is True and admin["roles"][0]["label"] == "市の管理者"
    manager = bearer(people["centre_manager"])[0].get("/api/me").json()
    assert manager["roles"] == [
        {
            "role": "centre-manager",
            "label": "センター管理者",
            "ward": None,
            "ward_code": None,
            "centre": "西区地域コミュニティセンター",
        }
    ]


@pytest.mark.parametrize("path", ["/api/me", "/api/me/tokens"])
def test_me_needs_credentials(client, db, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("認証が必要です")


# --- Own tokens ------------------------------------------------------------------------


def test_a_person_lists_only_their_own_tokens_and_never_a_secret(people):
    client, mine = bearer(people["nishi_staff"])
    create_token(actor=SYSTEM, user=people["higashi_staff"])
    response = client.get("/api/me/tokens")
    assert response.status_code == 200
    [listed] = response.json()
    assert listed["id"] == mine.pk and listed["prefix"] == mine.prefix and listed["active"] is True
    assert listed["last_used_at"] is not None  # this very request used it
    assert "digest" not in listed and "token" not in listed


def test_a_session_creates_a_token_shown_once_that_works(people):
    client, csrf = session(people["nishi_staff"])
    response = client.post(
        "/api/me/tokens", json.dumps({"name": "集計"}), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "集計" and body["token"].startswith(body["prefix"])
    assert user_for_token(body["token"]) == people["nishi_staff"]
    assert "token" not in client.get("/api/me/tokens").json()[0]


def test_a_token_cannot_create_another_token(people):
    client, _ = bearer(people["nishi_staff"])
    response = client.post("/api/me/tokens", "{}", content_type="application/json")
    assert response.status_code == 401
    assert ApiToken.objects.filter(user=people["nishi_staff"]).count() == 1


def test_creating_a_token_from_a_session_needs_the_csrf_token(people):
    client, _ = session(people["nishi_staff"])
    response = client.post("/api/me/tokens", "{}", content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_own_token_and_it_stops_working(people):
    client, token = bearer(people["nishi_staff"])
    response = client.delete(f"/api/me/tokens/{token.pk}")
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["revoked_at"]
    assert client.get("/api/me").status_code == 401


def test_someone_elses_token_is_not_found_and_stays_active(people):
    client, _ = bearer(people["city_admin"])
    theirs, _ = create_token(actor=SYSTEM, user=people["resident"])
    response = client.delete(f"/api/me/tokens/{theirs.pk}")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.active


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "a\x00b"}, "「name」（名前）に制御文字は使えません"),
        ({"name": "x" * 101}, "「name」（名前）は100文字以内で指定してください"),
        ({"name": "x", "user": "city"}, "「user」という項目は受け付けていません"),
    ],
)
def test_a_bad_token_request_is_400_and_makes_nothing(people, body, message):
    client, csrf = session(people["nishi_staff"])
    response = client.post(
        "/api/me/tokens", json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert not ApiToken.objects.exists()
