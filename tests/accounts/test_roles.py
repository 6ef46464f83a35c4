"""Roles and their scopes, as the database keeps them."""

import pytest
from django.db import IntegrityError, transaction

from machi.accounts.models import RoleGrant
from machi.accounts.queries import can_manage_ward, is_city_admin, staff_ward_ids
from machi.facilities.queries import managed_centre_ids


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("ward-staff", {}),
        ("city-admin", {"ward": True}),
        ("centre-manager", {}),
        ("centre-manager", {"ward": True}),
    ],
)
def test_the_database_refuses_a_role_without_its_scope(people, role, scope):
    user = people["resident"]
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=role, ward=people["nishi"] if scope.get("ward") else None)


def test_the_same_ward_cannot_be_granted_twice(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=people["nishi_staff"], role="ward-staff", ward=people["nishi"])


def test_scopes(people):
    nishi, higashi = people["nishi"], people["higashi"]
    assert staff_ward_ids(people["city_admin"]) is None and is_city_admin(people["city_admin"])
    assert staff_ward_ids(people["nishi_staff"]) == {nishi.pk}
    assert staff_ward_ids(people["two_ward_staff"]) == {nishi.pk, higashi.pk}
    assert staff_ward_ids(people["resident"]) == set()
    assert can_manage_ward(people["nishi_staff"], nishi.pk) and not can_manage_ward(
        people["nishi_staff"], higashi.pk
    )
    assert managed_centre_ids(people["centre_manager"]) == {people["centre"].pk}
    assert managed_centre_ids(people["nishi_staff"]) == {people["centre"].pk}
    assert managed_centre_ids(people["higashi_staff"]) == set()


def test_an_inactive_city_admin_has_no_scope(people):
    admin = people["city_admin"]
    admin.is_active = False
    admin.save()
    assert staff_ward_ids(admin) == set()
