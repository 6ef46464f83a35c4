"""The ledger's JSON API: wards, programmes, projects, one project with its history."""

import datetime as dt

import pytest

from machi.accounts.actors import SYSTEM
from machi.ledger import actions
from machi.ledger.models import Project, Ward


@pytest.fixture
def wards(db):
    chuo = Ward.objects.create(code="431010", name="中央区", name_en="Chuo Ward", city_name="熊本市")
    higashi = Ward.objects.create(code="431028", name="東区", name_en="Higashi Ward", city_name="熊本市")
    return chuo, higashi


@pytest.fixture
def ledger(wards):
    """中央区 FY2022 with a project settled at 0 and one never budgeted; 東区 FY2021 and FY2022."""
    chuo, higashi = wards
    programme = actions.save_programme_profile(
        ward=chuo, fiscal_year=2022, allocation_yen=19_000_000, vision="つながる、中央区。",
        priorities="地域活動の負担軽減\n\n生きがいとしての地域活動\n", pillars=[("負担軽減", "ICTの活用"), ("ささえあい", "")], actor=SYSTEM
    )  # fmt: skip
    first, second = programme.pillars.order_by("position")
    zero = Project.objects.create(
        programme=programme, pillar=first, no=1, name="ICT化支援事業", status="新規"
    )
    actions.set_figures(
        zero, reason="当初予算", initial_yen=1_000_000, revised_yen=1_800_000, settled_yen=0, actor=SYSTEM
    )
    actions.tag_project(zero, ["ICT", "交流"], actor=SYSTEM)
    none = Project.objects.create(programme=programme, pillar=second, no=2, name="見守り事業")
    for year in (2021, 2022):
        east = actions.save_programme_profile(
            ward=higashi,
            fiscal_year=year,
            allocation_yen=None,
            vision="",
            priorities="",
            pillars=[],
            actor=SYSTEM,
        )
        project = Project.objects.create(programme=east, no=1, name=f"東区{year}事業", status="継続")
        actions.set_figures(
            project,
            reason="当初予算",
            initial_yen=500_000,
            revised_yen=400_000,
            settled_yen=450_000,
            actor=SYSTEM,
        )
    return {"zero": zero, "none": none}


def test_wards_lists_code_name_and_english_name(client, wards):
    response = client.get("/api/wards")
    assert response.status_code == 200
    assert response.json() == [
        {"code": "431010", "name": "中央区", "name_en": "Chuo Ward"},
        {"code": "431028", "name": "東区", "name_en": "Higashi Ward"},
    ]


def test_programmes_give_allocation_vision_priorities_pillars_and_totals_in_yen(client, ledger):
    response = client.get("/api/programmes?year=2022")
    assert response.status_code == 200
    chuo = next(p for p in response.json() if p["ward"] == "中央区")
    assert chuo == {
        "ward": "中央区",
        "ward_code": "431010",
        "fiscal_year": 2022,
        "fiscal_year_label": "令和4年度",
        "allocation": 19_000_000,
        "vision": "つながる、中央区。",
        "priorities": ["地域活動の負担軽減", "生きがいとしての地域活動"],
        "pillars": [
            {"position": 1, "name": "負担軽減", "description": "ICTの活用"},
            {"position": 2, "name": "ささえあい", "description": ""},
        ],
        "project_count": 2,
        "totals": {
            "initial": 1_000_000,
            "revised": 1_800_000,
            "settled": 0,
            "execution_rate": 0.0,
            "unused": 1_800_000,
        },
        "is_demo": False,
    }


def test_programmes_filter_by_year(client, ledger):
    assert {(p["ward"], p["fiscal_year"]) for p in client.get("/api/programmes?year=2021").json()} == {
        ("東区", 2021)
    }
    assert len(client.get("/api/programmes").json()) == 3


def test_programme_without_allocation_or_projects_gives_null_not_zero(client, wards):
    actions.save_programme_profile(
        ward=wards[0],
        fiscal_year=2023,
        allocation_yen=None,
        vision="",
        priorities="",
        pillars=[],
        actor=SYSTEM,
    )
    [programme] = client.get("/api/programmes").json()
    assert programme["allocation"] is None
    assert programme["totals"] == {
        "initial": None,
        "revised": None,
        "settled": None,
        "execution_rate": None,
        "unused": None,
    }


def test_projects_give_each_figure_in_integer_yen(client, ledger):
    response = client.get("/api/projects?year=2022&ward=中央区")
    assert response.status_code == 200
    first, second = response.json()
    assert first == {
        "id": ledger["zero"].pk,
        "fiscal_year": 2022,
        "ward": "中央区",
        "ward_code": "431010",
        "no": 1,
        "name": "ICT化支援事業",
        "status": "新規",
        "pillar": "負担軽減",
        "description": "",
        "themes": ["ICT", "交流"],
        "initial": 1_000_000,
        "revised": 1_800_000,
        "settled": 0,
        "execution_rate": 0.0,
        "unused": 1_800_000,
        "settled_exceeds_revised": False,
    }
    assert second["name"] == "見守り事業"


def test_projects_give_null_for_a_figure_never_budgeted_and_0_for_zero(client, ledger):
    zero, none = client.get("/api/projects?ward=431010").json()
    assert zero["settled"] == 0
    assert (none["initial"], none["revised"], none["settled"]) == (None, None, None)
    assert none["execution_rate"] is None and none["unused"] is None
    assert none["status"] is None and none["themes"] == []


def test_projects_flag_settled_above_revised(client, ledger):
    [project] = client.get("/api/projects?ward=東区&year=2021").json()
    assert project["settled_exceeds_revised"] is True
    assert project["unused"] == -50_000
    assert project["execution_rate"] == 1.125


def test_projects_filter_by_ward_name_or_code_and_year(client, ledger):
    def names(query):
        return [p["name"] for p in client.get(f"/api/projects?{query}").json()]

    assert names("ward=中央区") == names("ward=431010") == ["ICT化支援事業", "見守り事業"]
    assert names("ward=４３１０２８") == ["東区2021事業", "東区2022事業"]  # full-width digits
    assert names("year=2021") == ["東区2021事業"]
    assert names("year=2022&ward=東区") == ["東区2022事業"]
    assert names("year=2030") == []
    assert len(names("")) == 4


def test_projects_filter_by_theme(client, ledger):
    assert [p["name"] for p in client.get("/api/projects?theme=ＩＣＴ").json()] == ["ICT化支援事業"]


def test_projects_refuse_an_unknown_ward_with_a_message(client, ledger):
    response = client.get("/api/projects?ward=中區")
    assert response.status_code == 400
    body = response.json()
    assert "区「中區」は登録されていません" in body["detail"]
    [error] = body["errors"]
    assert error["loc"] == ["query", "ward"]
    assert "区「中區」は登録されていません" in error["msg"]


@pytest.mark.parametrize("query", ["year=abc", "year=22.5", "year=99999", "ward=" + "x" * 51])
def test_projects_refuse_bad_query_parameters(client, ledger, query):
    response = client.get(f"/api/projects?{query}")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_projects_list_uses_a_fixed_number_of_queries(client, ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(2) as few:
        client.get("/api/projects")
    programme = ledger["zero"].programme
    for no in range(10, 50):
        project = Project.objects.create(programme=programme, no=no, name=f"事業{no}")
        actions.tag_project(project, ["防災"], actor=SYSTEM)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/projects").json()) == 44


def test_programmes_list_uses_a_fixed_number_of_queries(client, ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/programmes").json()) == 3


def test_project_detail_gives_its_history_with_the_office_and_a_label_never_the_person(
    client, ledger, ward_staff
):
    project = ledger["zero"]
    staff = ward_staff("tanaka@example.jp", project.programme.ward, display_name="田中一郎")
    actions.set_figures(project, reason="田中一郎が確定（096-000-1111）", actor=staff, settled_yen=1_750_000)
    response = client.get(f"/api/projects/{project.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["settled"] == 1_750_000
    ward_office = f"{project.programme.ward.name}役所"
    assert [(h["stage"], h["old"], h["new"], h["changed_by"], h["reason"]) for h in body["history"]] == [
        ("initial", None, 1_000_000, "システム", "当初予算の計上"),
        ("revised", None, 1_800_000, "システム", "2月補正"),
        ("settled", None, 0, "システム", "決算"),
        ("settled", 0, 1_750_000, ward_office, "決算"),
    ]
    assert "田中" not in response.content.decode() and "tanaka" not in response.content.decode()


def test_project_history_times_are_in_tokyo_time(client, ledger):
    body = client.get(f"/api/projects/{ledger['zero'].pk}").json()
    changed_at = body["history"][0]["changed_at"]
    assert changed_at.endswith("+09:00")
    assert dt.datetime.fromisoformat(changed_at).utcoffset() == dt.timedelta(hours=9)


def test_project_never_budgeted_has_an_empty_history(client, ledger):
    body = client.get(f"/api/projects/{ledger['none'].pk}").json()
    assert body["history"] == []
    assert body["initial"] is None


def test_unknown_project_is_404_with_a_japanese_message(client, db):
    response = client.get("/api/projects/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "事業が見つかりません（id: 999999）", "code": "not_found"}


def test_project_id_that_is_not_a_number_is_refused(client, db):
    response = client.get("/api/projects/abc")
    assert response.status_code == 400
    assert "「project_id」" in response.json()["detail"]


def test_openapi_lists_the_ledger_paths_with_typed_schemas(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/wards", "/api/programmes", "/api/projects", "/api/projects/{project_id}"} <= set(
        schema["paths"]
    )
    project = schema["components"]["schemas"]["ProjectOut"]["properties"]
    assert project["initial"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert project["status"]["anyOf"][0]["enum"] == ["新規", "継続", "拡充"]
    detail = schema["paths"]["/api/projects/{project_id}"]["get"]["responses"]
    assert {"200", "404"} <= set(detail)


def test_api_docs_fetch_nothing_from_a_cdn(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "https://" not in html and "http://" not in html


def test_kumamoto_programmes_reconcile_with_the_printed_totals(client, kumamoto):
    programmes = client.get("/api/programmes?year=2022").json()
    chuo = next(p for p in programmes if p["ward_code"] == "431010")
    assert (chuo["totals"]["initial"], chuo["totals"]["revised"], chuo["totals"]["settled"]) == (
        19_000_000,
        17_620_000,
        16_701_000,
    )
    assert sum(p["project_count"] for p in programmes) == 73
    assert len(client.get("/api/projects?year=2022").json()) == 73


def test_japanese_text_is_sent_as_utf8_not_escaped(client, ledger):
    response = client.get("/api/wards")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "中央区".encode() in response.content
    assert b"\\u" not in response.content
