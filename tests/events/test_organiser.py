"""A community group proposes an event; its ward's staff approve it (published) or decline it with a
reason (back to the group as a draft, the reason shown); the staff home counts the proposals waiting."""

import pytest
from django.core import mail
from django.test import Client
from tests.events.conftest import window
from tests.events.page_support import event_form

from machi.accounts.models import CommunityGroup, GroupMember
from machi.audit.models import AuditEntry
from machi.core.errors import NotAllowed
from machi.events import actions
from machi.events.models import Event


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def group(people, chuo):
    representative, member = people(2, prefix="group")
    group = CommunityGroup.objects.create(
        name="白川一丁目自治会", kind="jichikai", ward=chuo, representative=representative, status="approved"
    )
    GroupMember.objects.create(group=group, name=str(member), user=member)
    return group


@pytest.fixture
def form_data(project):
    return event_form(project)


def proposal(group, project, actor=None, **changes):
    values = {
        "kind": "workshop",
        "title": "親子の防災ワークショップ",
        "title_kana": "おやこのぼうさいわーくしょっぷ",
        "capacity_seats": 20,
        "max_party": 4,
        "venue_name": "白川公民館",
        **window(),
        **changes,
    }
    return actions.propose_event(actor=actor or group.representative, group=group, project=project, **values)


def test_a_member_proposes_through_the_page_and_it_waits_for_approval(group, form_data, staff):
    member = group.members.get().user
    client = client_of(member)
    assert "白川一丁目自治会の催しを提案する" in client.get("/events/organise/").content.decode()
    answer = client.post(f"/events/organise/groups/{group.pk}/new/", form_data)
    assert answer.status_code == 302
    event = Event.objects.get()
    assert (event.status, event.organiser_group, event.created_by) == ("pending", group, member)
    assert Client().get(f"/events/{event.pk}/").status_code == 404
    assert "承認待ち" in client.get("/events/organise/").content.decode()
    # The staff home counts it and the manage page lists it first.
    home = client_of(staff).get("/accounts/staff/").content.decode()
    assert "団体から提案された催し（承認を待っている）" in home
    assert "白川一丁目自治会" in client_of(staff).get("/events/manage/").content.decode()


def test_only_members_of_an_approved_group_propose_for_their_ward(group, project, people, higashi):
    with pytest.raises(NotAllowed):
        proposal(group, project, actor=people(1, prefix="stranger")[0])
    assert (
        client_of(people(1, prefix="other")[0]).get(f"/events/organise/groups/{group.pk}/new/").status_code
        == 404
    )
    CommunityGroup.objects.filter(pk=group.pk).update(status="pending")
    group.refresh_from_db()
    with pytest.raises(actions.EventRefused, match="承認された団体だけ"):
        proposal(group, project)
    CommunityGroup.objects.filter(pk=group.pk).update(status="approved", ward=higashi)
    group.refresh_from_db()
    with pytest.raises(actions.EventRefused, match="団体と同じ区"):
        proposal(group, project)
    assert not Event.objects.exists()


def test_staff_approve_a_proposal_and_it_is_published(
    group, project, staff, django_capture_on_commit_callbacks
):
    event = proposal(group, project)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_of(staff).post(f"/events/manage/{event.pk}/approve/")
    assert answer.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.approved_by) == ("published", staff)
    assert "白川一丁目自治会" in Client().get(f"/events/{event.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="events.approve").count() == 1
    [told] = [m for m in mail.outbox if m.to == [group.representative.email]]
    assert "承認され、公開されました" in told.subject and f"/events/{event.pk}/" in told.body


def test_staff_decline_with_a_reason_and_the_group_changes_and_sends_it_again(
    group, project, staff, form_data, django_capture_on_commit_callbacks
):
    event = proposal(group, project)
    staff_client = client_of(staff)
    assert staff_client.post(f"/events/manage/{event.pk}/decline/", {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/events/manage/{event.pk}/decline/", {"reason": "会場の住所を書いてください"})
    event.refresh_from_db()
    assert (event.status, event.decline_reason) == ("draft", "会場の住所を書いてください")
    assert AuditEntry.objects.filter(action="events.decline").count() == 1
    [told] = [m for m in mail.outbox if m.to == [group.representative.email]]
    assert "承認されませんでした" in told.subject
    assert "会場の住所を書いてください" in told.body and "/events/organise/" in told.body
    group_client = client_of(group.representative)
    page = group_client.get("/events/organise/").content.decode()
    assert "会場の住所を書いてください" in page and "修正して再提案する" in page
    edit = group_client.get(f"/events/organise/{event.pk}/edit/").content.decode()
    assert "区から差し戻された理由" in edit
    answer = group_client.post(
        f"/events/organise/{event.pk}/edit/", form_data | {"title": "親子の防災ワークショップ"}
    )
    assert answer.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.venue_address) == ("pending", "熊本市中央区白川町1-1")
    assert (
        "親子の防災ワークショップ" in client_of(staff).get("/events/manage/?status=pending").content.decode()
    )


def test_a_representative_who_prefers_english_is_told_in_english(
    group, project, staff, django_capture_on_commit_callbacks
):
    type(group.representative).objects.filter(pk=group.representative.pk).update(preferred_language="en")
    group.representative.refresh_from_db()
    event = proposal(group, project)
    with django_capture_on_commit_callbacks(execute=True):
        actions.decline_event(actor=staff, event=event, reason="住所がありません")
    [told] = [m for m in mail.outbox if m.to == [group.representative.email]]
    assert told.subject == f"“{event.title}” was not approved"
    assert "did not approve" in told.body and "住所がありません" in told.body
