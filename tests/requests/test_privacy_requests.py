"""Forgetting a person erases what they wrote and where, keeps the number, category, status and dates (so the
counts stay right); staff erase one closed request; retention erases requests closed over 5 fiscal years ago."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from machi.accounts import privacy as account_privacy
from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.core.errors import Conflict, NotAllowed
from machi.requests import actions, queries
from machi.requests.models import Follower, Photo, Request, RequestUpdate

from .conftest import CITY_HALL, TUESDAY

pytestmark = pytest.mark.django_db


def photo():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


def submit(actor, category, **fields):
    values = {
        "description": "自宅前（熊本 花子）の街灯が消えています",
        "latitude": CITY_HALL[0],
        "longitude": CITY_HALL[1],
        "address": "手取本町1-1",
        "school_district": "慶徳校区",
    }
    return actions.submit_request(actor=actor, category=category, now=TUESDAY, **(values | fields))


def resolve(request, at=TUESDAY):
    request.refresh_from_db()
    return actions.change_status(
        actor=SYSTEM,
        request=request,
        to="resolved",
        expected_version=request.version,
        now=at,
        public_note="交換しました",
        internal_note="花子さんに電話で報告",
    )


def assert_erased(request):
    request.refresh_from_db()
    assert (request.description, request.address, request.address_key) == ("", "", "")
    assert (request.latitude, request.longitude, request.attributes) == (None, None, {})
    assert (request.caller_name, request.caller_phone, request.requester_id) == ("", "", None)
    assert request.erased_at is not None
    assert not request.photos.exists() and not request.followers.exists()
    assert not RequestUpdate.objects.filter(request=request).exclude(internal_note="").exists()


def test_deleting_an_account_erases_their_requests_and_keeps_the_counts(road, people):
    alice, bob = people(2)
    alice.set_password("secret-pass-1")
    alice.save()
    mine = submit(alice, road, photos=[photo()])
    resolve(mine)
    open_one = submit(alice, road)
    actions.follow(actor=bob, request=open_one)
    theirs = submit(bob, road)
    actions.follow(actor=alice, request=theirs)
    before = [(c.month, c.received, c.resolved) for c in queries.statistics(fiscal_year=2026)]

    account_privacy.delete_account(actor=alice, user=alice, password="secret-pass-1")

    for request in (mine, open_one):
        assert_erased(request)
    mine.refresh_from_db()
    assert (mine.number, mine.category_id, mine.status, mine.school_district) == (
        1,
        road.pk,
        "resolved",
        "慶徳校区",
    )
    assert mine.created_at == TUESDAY and mine.resolved_at == TUESDAY
    assert RequestUpdate.objects.filter(request=mine, public_note="交換しました").exists()  # public already
    assert [(c.month, c.received, c.resolved) for c in queries.statistics(fiscal_year=2026)] == before
    assert not Follower.objects.filter(user=alice).exists()
    theirs.refresh_from_db()
    assert theirs.description and theirs.requester == bob and theirs.erased_at is None  # not alice's
    entries = AuditEntry.objects.filter(action="requests.forget")
    assert entries.count() == 2
    assert "花子" not in str(list(entries.values_list("after", "object_repr")))


def test_a_person_may_forget_only_their_own_requests(road, people, staff):
    alice, bob = people(2)
    submit(alice, road)
    with pytest.raises(NotAllowed):
        actions.forget_requests(actor=bob, user=alice)
    with pytest.raises(NotAllowed):
        actions.forget_requests(actor=staff, user=alice)  # ward staff are not the city's administrators
    assert actions.forget_requests(actor=alice, user=alice) == 1
    assert actions.forget_requests(actor=SYSTEM, user=alice) == 0  # once


def test_the_wards_staff_erase_a_closed_request(road, staff, higashi, ward_staff):
    request = submit(staff, road, caller_name="熊本 花子", caller_phone="096-000-0000")
    assert request.on_behalf
    with pytest.raises(Conflict):
        actions.erase_request(actor=staff, request=request)
    resolve(request)
    with pytest.raises(NotAllowed):
        actions.erase_request(actor=ward_staff("east", higashi), request=request)
    erased = actions.erase_request(actor=staff, request=request)
    assert_erased(erased)
    assert AuditEntry.objects.filter(action="requests.erase", object_id=str(request.pk)).exists()


def test_retention_erases_requests_closed_over_five_fiscal_years_ago(road, people, settings):
    settings.MACHI_RETENTION_FISCAL_YEARS = 3
    [alice] = people(1)
    old, recent, still_open = (submit(alice, road, photos=[photo()]) for _ in range(3))
    resolve(old)
    resolve(recent)
    # Closed in FY2026 (June 2026): kept through FY2031, erased from April 2032.
    RequestUpdate.objects.filter(request=old).update(at=TUESDAY)
    RequestUpdate.objects.filter(request=recent).update(at=TUESDAY.replace(year=2027, month=5))
    assert account_privacy.anonymise_expired(actor=SYSTEM, today=datetime.date(2032, 3, 31))["requests"] == 0
    counts = account_privacy.anonymise_expired(actor=SYSTEM, today=datetime.date(2032, 4, 1))
    assert counts["requests"] == 1
    assert_erased(old)
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.erased_at is None and kept.description and kept.photos.count() == 1
    assert account_privacy.anonymise_expired(actor=SYSTEM, today=datetime.date(2040, 4, 1))["requests"] == 1
    assert Request.objects.get(pk=still_open.pk).erased_at is None  # an open request is never swept
    assert Photo.objects.count() == 1


def test_the_download_lists_the_requests_and_describes_the_photos(road, people):
    [alice] = people(1)
    submit(alice, road, photos=[photo()])
    data = account_privacy.personal_data(alice)
    [row] = data["requests"]
    assert row["description"].startswith("自宅前") and row["address"] == "手取本町1-1"
    [described] = data["request_photos"]
    assert (described["request__number"], described["content_type"]) == (1, "image/png")


def test_an_erased_request_takes_no_new_photo(road, people, staff):
    [alice] = people(1)
    request = submit(alice, road)
    resolve(request)
    actions.erase_request(actor=staff, request=request)
    with pytest.raises(Conflict):
        actions.add_photos(actor=staff, request=request, files=[photo()])
    assert not Photo.objects.exists()
