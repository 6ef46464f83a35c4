"""The admin shows ward staff only their wards, and refuses the rest even by URL."""

from django.urls import reverse

from machi.audit.models import AuditEntry
from machi.ledger.models import Project


def test_ward_staff_see_only_their_ward_in_the_project_list(client, people):
    client.force_login(people["higashi_staff"])
    response = client.get(reverse("admin:ledger_project_changelist"), {"all": ""})
    assert response.status_code == 200
    wards = {p.programme.ward.name for p in response.context["cl"].result_list}
    assert wards == {"東区"}
    assert response.context["cl"].result_count == 21


def test_ward_staff_cannot_open_or_change_another_ward_by_url(client, people):
    client.force_login(people["higashi_staff"])
    project = people["nishi_project"]
    url = reverse("admin:ledger_project_change", args=[project.pk])
    assert client.get(url).status_code in (302, 403, 404)
    response = client.post(url, {"name": "書き換え", "settled_yen": "1", "change_reason": "x"})
    assert response.status_code in (302, 403, 404)
    project.refresh_from_db()
    assert project.name == "西区地域コミュニティづくり支援事業" and project.settled_yen == 1_228_000


def test_ward_staff_change_their_ward_through_the_admin_and_it_is_audited(client, people):
    client.force_login(people["nishi_staff"])
    project = people["nishi_project"]
    url = reverse("admin:ledger_project_change", args=[project.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["themes"] = [t.pk for t in project.themes.all()]
    data.update(settled_yen="1,250", change_reason="決算の訂正")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    project.refresh_from_db()
    assert project.settled_yen == 1_250_000
    entry = AuditEntry.objects.filter(action="ledger.set_figures", actor=people["nishi_staff"]).get()
    assert (entry.before["settled_yen"], entry.after["settled_yen"]) == (1_228_000, 1_250_000)


def test_a_programme_of_another_ward_cannot_be_chosen(client, people):
    client.force_login(people["nishi_staff"])
    form = client.get(reverse("admin:ledger_project_add")).context["adminform"].form
    assert {p.ward.name for p in form.fields["programme"].queryset} == {"西区"}


def test_residents_and_centre_managers_have_no_ledger_admin(client, people):
    for who in ("resident", "centre_manager"):
        client.force_login(people[who])
        assert client.get(reverse("admin:ledger_project_changelist")).status_code in (302, 403)


def test_only_city_admins_change_wards_and_people(client, people):
    client.force_login(people["nishi_staff"])
    ward_url = reverse("admin:ledger_ward_change", args=[people["nishi"].pk])
    response = client.post(
        ward_url,
        {"code": "431036", "name": "西区X", "name_en": "", "city_name": "熊本市", "city_code": "431001"},
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    client.force_login(people["city_admin"])
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_the_audit_log_is_browsed_per_object_and_per_person_within_scope(client, people):
    from machi.ledger import actions

    project = Project.objects.get(pk=people["nishi_project"].pk)
    actions.set_figures(project, actor=people["nishi_staff"], reason="決算", settled_yen=1_000_000)
    higashi_project = Project.objects.get(programme__ward=people["higashi"], no=1)
    actions.set_figures(higashi_project, actor=people["higashi_staff"], reason="決算", settled_yen=1_000_000)
    changelist = reverse("admin:audit_auditentry_changelist")

    client.force_login(people["nishi_staff"])
    per_person = client.get(changelist, {"actor__id__exact": people["higashi_staff"].pk})
    assert per_person.context["cl"].result_count == 0  # another ward's entries stay out of sight
    mine = client.get(changelist, {"actor__id__exact": people["nishi_staff"].pk})
    assert [e.object_repr for e in mine.context["cl"].result_list] == [str(project)]
    entry = mine.context["cl"].result_list[0]
    per_object = client.get(
        changelist, {"object_type__id__exact": entry.object_type_id, "object_id": project.pk}
    )
    assert {e.action for e in per_object.context["cl"].result_list} >= {"ledger.import", "ledger.set_figures"}

    client.force_login(people["city_admin"])
    everyone = client.get(changelist, {"action__exact": "ledger.set_figures"})
    assert everyone.context["cl"].result_count == 2


def test_the_audit_log_cannot_be_edited(client, people):
    client.force_login(people["city_admin"])
    entry = AuditEntry.objects.first()
    url = reverse("admin:audit_auditentry_change", args=[entry.pk])
    response = client.post(url, {"action": "tampered"})
    assert response.status_code in (302, 403)
    entry.refresh_from_db()
    assert entry.action != "tampered"
    assert (
        client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
