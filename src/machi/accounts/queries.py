"""Accounts' QuerySets. The scope questions live in `accounts.scope` and are re-exported here."""

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Q

from machi.accounts.scope import (  # noqa: F401  (re-exported: the scope questions used to live here)
    can_manage_ward,
    has_staff_role,
    is_city_admin,
    is_staff_anywhere,
    staff_ward_ids,
    ward_scope_filter,
)
from machi.core.text import lookalike_key


def account_of_address(email: str, *, exclude=None):
    """The account an address belongs to (as its email, or as the username of a web sign-up), or None."""
    users = get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.order_by("pk").first()


class RoleGrantQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class CommunityGroupQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related("ward", "representative", "reviewed_by").annotate(
            member_count=Count("members", distinct=True)
        )

    def of_person(self, user):
        """The groups a person represents or is listed in."""
        return self.filter(Q(representative=user) | Q(members__user=user)).distinct().order_by("-created_at")

    def in_wards(self, ward_ids: set[int] | None):
        """Within a staff scope as staff_ward_ids gives it (None: every ward)."""
        return self if ward_ids is None else self.filter(ward_id__in=ward_ids)

    def holding_name(self, ward, name: str):
        """The groups of `ward` whose name is `name` or looks like it; a declined one holds no name."""
        return self.filter(ward=ward, name_key=lookalike_key(name)).exclude(status="declined")

    def awaiting_review(self):
        return self.filter(status="pending").order_by("created_at")

    def reviewed_since(self, moment):
        return self.exclude(status="pending").filter(reviewed_at__gte=moment).order_by("-reviewed_at")


def person_declaring_ward(email: str, ward_ids: set[int] | None):
    """The active account with this address that declares one of these wards its home (None: any ward), or None.

    For the counter's residency check: staff find only the people who say they live in their wards.
    """
    from django.contrib.auth import get_user_model

    email = (email or "").strip()
    if not email:
        return None
    people = get_user_model().objects.filter(email__iexact=email, is_active=True, home_ward__isnull=False)
    if ward_ids is not None:
        people = people.filter(home_ward_id__in=ward_ids)
    return people.select_related("home_ward", "residency_verified_by").first()
