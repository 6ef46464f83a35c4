"""The ledger's public pages: the index, a ward-year, a project with its history."""

import re

import pytest
from django.urls import reverse

from machi.accounts.actors import SYSTEM
from machi.ledger import actions
from machi.ledger.models import Project, Ward


def visible_text(response) -> str:
    """The page's text as a person reads it: tags and hidden helper text removed, spaces folded."""
    html = response.content.decode()
    html = re.sub(r'<span class="visually-hidden">.*?</span>', "", html)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def add_project(
    programme, *, no, name, pillar=None, status="", themes=(), reason="当初予算の計上", **figures
):
    project = Project.objects.create(
        programme=programme,
        pillar=pillar,
        no=no,
        name=name,
        status=status,
        position=no,
        description=f"{name}の内容",
    )
    if figures:
        actions.set_figures(project, reason=reason, **figures, actor=SYSTEM)
    if themes:
        actions.tag_project(project, list(themes), actor=SYSTEM)
    project.refresh_from_db()
    return project


@pytest.fixture
def chuo(db):
    """中央区 FY2022: two pillars; one project over budget, one settled at 0, one never budgeted."""
    ward = Ward.objects.create(
        code="431010", name="中央区", name_en="Chuo Ward", city_name="熊本市", city_code="431001"
    )
    programme = actions.save_programme_profile(
        ward=ward,
        fiscal_year=2022,
        allocation_yen=19_000_000,
        vision="新たな出会いと未来創造の都会～つながる、中央区。～",
        priorities="地域活動の負担軽減\n生きがいとしての地域活動",
        pillars=[("地域活動の負担軽減", "ICTの活用推進"), ("おたがいさまでささえあう地域づくり", "")],
        actor=SYSTEM,
    )
    first, second = programme.pillars.order_by("position")
    add_project(
        programme, no=1, name="地域活動ICT化支援事業", pillar=first, status="新規", themes=["ICT", "交流"],
        initial_yen=1_500_000, revised_yen=1_200_000, settled_yen=1_250_000,
    )  # fmt: skip
    add_project(
        programme, no=2, name="防災まちあるき事業", pillar=first, status="継続",
        initial_yen=2_000_000, revised_yen=2_000_000, settled_yen=0,
    )  # fmt: skip
    add_project(programme, no=3, name="見守り活動拡充事業", pillar=second, status="拡充")
    return programme


@pytest.fixture
def higashi(chuo):
    ward = Ward.objects.create(code="431028", name="東区", city_name="熊本市", city_code="431001")
    programme = actions.save_programme_profile(
        ward=ward,
        fiscal_year=2022,
        allocation_yen=19_000_000,
        vision="",
        priorities="",
        pillars=[("基本方針", "")],
        actor=SYSTEM,
    )
    add_project(
        programme, no=1, name="東区の事業", pillar=programme.pillars.get(),
        initial_yen=3_000_000, revised_yen=2_500_000, settled_yen=2_400_000,
    )  # fmt: skip
    return programme


def programme_url(programme) -> str:
    return reverse(
        "ledger:programme", kwargs={"fiscal_year": programme.fiscal_year, "ward_code": programme.ward.code}
    )


# The index


def test_index_lists_each_ward_year_with_a_link_and_its_totals(client, higashi, chuo):
    response = client.get("/")
    assert response.status_code == 200
    text = visible_text(response)
    assert "令和4年度" in text
    assert f'href="{programme_url(chuo)}"' in response.content.decode()
    assert f'href="{programme_url(higashi)}"' in response.content.decode()
    # 中央区: 当初 3,500 / 補正後 3,200 / 決算 1,250 千円
    assert re.search(r"中央区 19,000 3,500 3,200 1,250 39.1% 1,950 3", text)
    # The city: the two wards added up.
    assert re.search(r"市の合計 38,000 6,500 5,700 3,650 64.0% 2,050 4", text)


def test_index_says_so_when_there_is_no_data(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "まだデータが登録されていません" in response.content.decode()


def test_index_uses_a_fixed_number_of_queries(client, higashi, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get("/")


# A ward-year


def test_programme_page_shows_the_year_the_ward_its_vision_and_allocation(client, chuo):
    response = client.get(programme_url(chuo))
    assert response.status_code == 200
    text = visible_text(response)
    assert "令和4年度 中央区のまちづくり推進経費" in text
    assert "新たな出会いと未来創造の都会～つながる、中央区。～" in text
    assert "地域活動の負担軽減" in text and "生きがいとしての地域活動" in text
    assert "配分額 19,000 千円" in text


def test_programme_page_shows_pillars_in_order_with_their_projects(client, chuo):
    text = visible_text(client.get(programme_url(chuo)))
    first = text.index("「地域活動の負担軽減」の事業")
    second = text.index("「おたがいさまでささえあう地域づくり」の事業")
    assert (
        first < text.index("地域活動ICT化支援事業", first) < text.index("防災まちあるき事業", first) < second
    )
    assert text.index("見守り活動拡充事業", second) > second


def test_programme_page_shows_each_project_in_thousands_with_rate_and_unused(client, chuo):
    text = visible_text(client.get(programme_url(chuo)))
    # No. 区分 事業名 事業内容 テーマ 当初 補正後 決算 執行率 不用額; settled above revised is flagged.
    assert re.search(
        r"1 新規 地域活動ICT化支援事業 地域活動ICT化支援事業の内容 ICT 交流 1,500 1,200 超過 1,250 104.2% △50",
        text,
    )
    assert re.search(r"2 継続 防災まちあるき事業 防災まちあるき事業の内容 2,000 2,000 0 0.0% 2,000", text)


def test_programme_page_shows_none_as_a_dash_not_as_zero(client, chuo):
    text = visible_text(client.get(programme_url(chuo)))
    assert re.search(r"3 拡充 見守り活動拡充事業 見守り活動拡充事業の内容 ― ― ― ― ―", text)


def test_programme_page_shows_pillar_subtotals_and_the_ward_total(client, chuo):
    text = visible_text(client.get(programme_url(chuo)))
    assert re.search(r"小計 3,500 3,200 1,250 39.1% 1,950", text)
    assert re.search(r"中央区の合計 3 3,500 3,200 1,250 39.1% 1,950", text)


def test_programme_page_marks_new_and_expanded_projects_with_a_badge(client, chuo):
    html = client.get(programme_url(chuo)).content.decode()
    assert '<span class="badge badge--new">新規</span>' in html
    assert '<span class="badge badge--expanded">拡充</span>' in html
    assert '<span class="status-text">継続</span>' in html


def test_programme_page_flags_settled_above_revised_with_a_note(client, chuo):
    text = visible_text(client.get(programme_url(chuo)))
    assert "決算額が2月補正後の予算を上回っている事業があります" in text
    assert "No.1 地域活動ICT化支援事業 （決算額 1,250千円／2月補正後 1,200千円）" in text


def test_programme_page_without_settled_above_revised_has_no_note(client, higashi):
    text = visible_text(client.get(programme_url(higashi)))
    assert "上回っている事業があります" not in text


def test_programme_page_links_to_the_other_wards_of_the_year(client, higashi, chuo):
    html = client.get(programme_url(chuo)).content.decode()
    assert f'href="{programme_url(higashi)}"' in html


def test_programme_page_tables_have_captions_and_header_scopes(client, chuo):
    html = client.get(programme_url(chuo)).content.decode()
    assert html.count("<caption") == 3  # the pillar summary and one table per pillar
    assert 'scope="col"' in html and 'scope="row"' in html
    assert '<html lang="ja">' in html
    assert 'href="#main"' in html


def test_programme_page_uses_a_fixed_number_of_queries_however_many_projects(
    client, chuo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5) as few:
        client.get(programme_url(chuo))
    pillar = chuo.pillars.first()
    for no in range(10, 40):
        add_project(chuo, no=no, name=f"追加事業{no}", pillar=pillar, themes=["防災"], initial_yen=1000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(programme_url(chuo))
    assert "追加事業39" in response.content.decode()


def test_programme_page_is_404_for_an_unknown_ward_or_year(client, chuo):
    assert client.get("/2022/431028/").status_code == 404
    assert client.get("/2021/431010/").status_code == 404


# A project


def test_project_page_shows_its_figures(client, chuo):
    project = chuo.projects.get(no=1)
    response = client.get(reverse("ledger:project", kwargs={"project_id": project.pk}))
    assert response.status_code == 200
    text = visible_text(response)
    assert "地域活動ICT化支援事業" in text
    assert "当初予算 1,500 2月補正後 1,200 決算額 1,250 執行率 104.2% 不用額 △50" in text
    assert "決算額が2月補正後の予算額を上回っています" in text


def test_project_page_shows_the_full_history_by_office_never_the_person_nor_the_typed_reason(
    client, chuo, ward_staff
):
    project = chuo.projects.get(no=2)
    staff = ward_staff("tanaka", project.programme.ward, display_name="田中（中央区）")
    actions.set_figures(project, reason="2月補正で減額（田中が確認）", actor=staff, revised_yen=1_800_000)
    text = visible_text(client.get(reverse("ledger:project", kwargs={"project_id": project.pk})))
    # oldest first: the three figures entered, then the revision
    assert re.search(r"\d{4}年\d+月\d+日 \d\d:\d\d 当初予算 ― 2,000 2,000 システム 当初予算の計上", text)
    # the change as a move too, a decrease marked △ as the ward's reports mark negatives
    assert re.search(r"2月補正後 2,000 1,800 △200 中央区役所 訂正", text)
    assert "田中" not in text and "tanaka" not in text and "減額" not in text


def test_project_page_of_a_project_never_budgeted_shows_dashes_and_no_history(client, chuo):
    project = chuo.projects.get(no=3)
    text = visible_text(client.get(reverse("ledger:project", kwargs={"project_id": project.pk})))
    assert "当初予算 ― 2月補正後 ― 決算額 ― 執行率 ― 不用額 ―" in text
    assert "金額の変更の記録はありません" in text


def test_project_page_uses_a_fixed_number_of_queries(client, chuo, django_assert_max_num_queries):
    project = chuo.projects.get(no=1)
    for value in range(1, 20):
        actions.set_figures(project, reason=f"修正{value}", settled_yen=value * 1000, actor=SYSTEM)
    # The project, its history, its outcomes, its themes, and one per service asked what it holds
    # on the project (the money left: grants).
    with django_assert_max_num_queries(5):
        client.get(reverse("ledger:project", kwargs={"project_id": project.pk}))


def test_project_page_is_404_for_an_unknown_project(client, db):
    response = client.get("/projects/999999/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


# Language


def test_pages_offer_a_language_switch_through_set_language(client, chuo):
    html = client.get(programme_url(chuo)).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html


def test_switching_to_english_keeps_the_page_working(client, chuo):
    response = client.post("/i18n/setlang/", {"language": "en", "next": programme_url(chuo)})
    assert response.status_code == 302
    response = client.get(programme_url(chuo))
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


# The shipped Kumamoto dataset


def test_kumamoto_index_shows_each_ward_and_the_city_total(client, kumamoto):
    text = visible_text(client.get("/"))
    assert "中央区 19,000 19,000 17,620 16,701 94.8% 919 15" in text
    assert "市の合計 95,000 95,000 86,381 78,153 90.5% 8,228 73" in text


def test_kumamoto_chuo_page_shows_the_printed_totals(client, kumamoto):
    text = visible_text(client.get("/2022/431010/"))
    assert "中央区の合計 15 19,000 17,620 16,701 94.8% 919" in text


def test_kumamoto_ward_pages_use_the_same_few_queries(client, kumamoto, django_assert_max_num_queries):
    for ward_code in ("431010", "431028", "431036", "431044", "431052"):
        with django_assert_max_num_queries(5):
            assert client.get(f"/2022/{ward_code}/").status_code == 200
