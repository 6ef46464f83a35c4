"""Who may act where: the scope questions every write action asks."""

from django.db import models
from django.db.models import Count, Q


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

    def awaiting_review(self):
        return self.filter(status="pending").order_by("created_at")

    def reviewed_since(self, moment):
        return self.exclude(status="pending").filter(reviewed_at__gte=moment).order_by("-reviewed_at")


def is_city_admin(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role_grants.filter(role="city-admin").exists()


def staff_ward_ids(user) -> set[int] | None:
    """The wards a person may manage as staff: None means every ward; an empty set, none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if is_city_admin(user):
        return None
    return set(user.role_grants.filter(role="ward-staff").values_list("ward_id", flat=True))


def can_manage_ward(user, ward_id: int) -> bool:
    wards = staff_ward_ids(user)
    return wards is None or ward_id in wards


def is_staff_anywhere(user) -> bool:
    wards = staff_ward_ids(user)
    return wards is None or bool(wards)


def managed_centre_ids(user) -> set[int] | None:
    """Centres a person may manage: city admins all (None); ward staff their wards' centres; managers theirs."""
    from machi.facilities.models import Centre

    wards = staff_ward_ids(user)
    if wards is None:
        return None
    if not user or not user.is_authenticated:
        return set()
    managed = set(user.role_grants.filter(role="centre-manager").values_list("centre_id", flat=True))
    return managed | set(Centre.objects.filter(ward_id__in=wards).values_list("id", flat=True))


def ward_scope_filter(user, field: str = "ward") -> Q | None:
    """A filter for querysets shown to staff: None for every ward, else only their wards."""
    wards = staff_ward_ids(user)
    return None if wards is None else Q(**{f"{field}__in": wards})
