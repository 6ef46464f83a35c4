"""Who may act where: the scope questions every write action asks."""

from collections import Counter, defaultdict
from dataclasses import dataclass

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


@dataclass(frozen=True)
class GroupOverlap:
    """Two groups listing many of the same people: `shared` of the more-contained group's `size`."""

    first: object
    second: object
    shared: int
    size: int

    @property
    def ratio(self) -> float:
        return self.shared / self.size

    @property
    def percent(self) -> int:
        return round(self.ratio * 100)


def overlapping_groups(ward_or_groups, threshold: float = 0.5) -> list[GroupOverlap]:
    """Pairs of groups whose member lists overlap heavily (one real group registered twice), highest first.

    Give a ward (its groups not declined) or the groups themselves. A person on two lists is
    the same person when the linked accounts are, or when the names are once normalised
    (`name_key`: NFKC, without spaces); the representative counts as a member. The ratio is
    the larger of the two shares (members of A found on B's list over A's size, and B's), so a
    small group listed wholly inside a large one is flagged too.
    """
    from machi.accounts.models import CommunityGroup
    from machi.ledger.models import Ward

    if isinstance(ward_or_groups, Ward):
        groups = CommunityGroup.objects.filter(ward=ward_or_groups).exclude(status="declined")
    else:
        groups = CommunityGroup.objects.filter(pk__in=[group.pk for group in ward_or_groups])
    groups = list(groups.select_related("representative").prefetch_related("members").order_by("pk"))

    people = {group.pk: _people_of(group) for group in groups}
    listed_in: dict[tuple, set[int]] = defaultdict(set)
    for group_id, persons in people.items():
        for person in persons:
            for key in person:
                listed_in[key].add(group_id)
    # found[a][b]: how many people on a's list are on b's too
    found: dict[int, Counter] = {group_id: Counter() for group_id in people}
    for group_id, persons in people.items():
        for person in persons:
            others = set().union(*(listed_in[key] for key in person)) - {group_id}
            found[group_id].update(others)

    by_id = {group.pk: group for group in groups}
    overlaps = []
    for first_id, counts in found.items():
        for second_id in counts:
            if second_id < first_id:
                continue
            shares = [
                (found[first_id][second_id], len(people[first_id])),
                (found[second_id][first_id], len(people[second_id])),
            ]
            shared, size = max(shares, key=lambda share: (share[0] / share[1], share[0]))
            if shared / size >= threshold:
                overlaps.append(GroupOverlap(by_id[first_id], by_id[second_id], shared, size))
    return sorted(overlaps, key=lambda o: (-o.ratio, -o.shared, o.first.pk, o.second.pk))


def _people_of(group) -> list[frozenset]:
    """The distinct people on a group's list, each as the keys it is known by (account, name)."""
    from machi.core.text import name_key

    listed = [(member.user_id, member.name) for member in group.members.all()]
    representative = group.representative
    listed.append((representative.pk, representative.display_name or representative.get_full_name()))
    people: list[set] = []
    for user_id, name in listed:
        keys = {("user", user_id)} if user_id else set()
        if key := name_key(name):
            keys.add(("name", key))
        same = [person for person in people if person & keys]
        for person in same:
            people.remove(person)
            keys |= person
        if keys:
            people.append(keys)
    return [frozenset(person) for person in people]
