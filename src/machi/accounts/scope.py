"""Who may act where: the one home of scope, asked by the actions of every app.

Every write action checks its scope here, not in templates or views: the web, the API and
the command line are held to the same rule. A refusal is `NotAllowed` (403, with the
reason in the request's language); views let it propagate to the 403 page.

Scope is the ward (city administrators: every ward; ward staff: theirs), the centre (its
ward's staff and its managers) and the group (its representative and listed members). This
module knows apps above accounts only through their rows' ids (`centre.pk`, `centre.ward_id`):
a service's own rules (which centres a person may see, say) live in that service.
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SystemActor
from machi.core.errors import NotAllowed

__all__ = [
    "NotAllowed",
    "can_help_event",
    "can_manage_centre",
    "can_manage_ward",
    "centre_manager_ids",
    "has_staff_role",
    "helped_event_ids",
    "is_city_admin",
    "is_member",
    "is_staff_anywhere",
    "require_centre",
    "require_city_admin",
    "require_event_helper",
    "require_member",
    "require_ward",
    "staff_ward_ids",
    "ward_scope_filter",
]


# --- The questions ------------------------------------------------------------------------


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


def has_staff_role(user) -> bool:
    """Anyone holding a staff role: a city administrator, ward staff or a centre manager (one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role_grants.exists()


def ward_scope_filter(user, field: str = "ward") -> Q | None:
    """A filter for querysets shown to staff: None for every ward, else only their wards."""
    wards = staff_ward_ids(user)
    return None if wards is None else Q(**{f"{field}__in": wards})


def centre_manager_ids(user) -> set[int]:
    """The centres a person manages by a centre-manager role (not by ward)."""
    if user is None or not user.is_authenticated:
        return set()
    return set(user.role_grants.filter(role="centre-manager").values_list("centre_id", flat=True))


def can_manage_centre(actor, centre) -> bool:
    """City administrators, staff of the centre's ward and the centre's managers; the command line."""
    if isinstance(actor, SystemActor):
        return True
    wards = staff_ward_ids(actor)
    if wards is None or centre.ward_id in wards:
        return True
    return centre.pk in centre_manager_ids(actor)


def helped_event_ids(user) -> set[int]:
    """The events a person helps at by an event-helper role (not by ward)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    return set(user.role_grants.filter(role="event-helper").values_list("event_id", flat=True))


def can_help_event(actor, event) -> bool:
    """See an event's roster and check people in: staff of its ward, its helpers; the command line."""
    if isinstance(actor, SystemActor):
        return True
    if actor is None or not actor.is_authenticated:
        return False
    if can_manage_ward(actor, event.ward_id):
        return True
    return event.pk in helped_event_ids(actor)


def is_member(actor, group) -> bool:
    """The group's representative or a person on its list (the command line acts for any group)."""
    if isinstance(actor, SystemActor):
        return True
    if actor is None or not actor.is_authenticated:
        return False
    return type(group).objects.of_person(actor).filter(pk=group.pk).exists()


# --- The requirements ---------------------------------------------------------------------


def require_ward(actor, ward, what: str | None = None) -> None:
    """Staff of the ward (or a city administrator, or the command line)."""
    if isinstance(actor, SystemActor):
        return
    if actor is None or not can_manage_ward(actor, ward.pk):
        raise NotAllowed(
            _("%(ward)sの%(what)sを変更する権限がありません")
            % {"ward": ward.name, "what": what or pgettext("scope", "データ")},
            code="scope.ward",
        )


def require_city_admin(actor, what: str) -> None:
    if isinstance(actor, SystemActor) or is_city_admin(actor):
        return
    raise NotAllowed(_("%(what)sは市の管理者だけが行えます") % {"what": what}, code="scope.city_admin")


def require_centre(actor, centre, what: str | None = None) -> None:
    """Manage a centre: a city administrator, staff of its ward, or its centre manager."""
    if not can_manage_centre(actor, centre):
        raise NotAllowed(
            _("%(centre)sの%(what)sを扱う権限がありません")
            % {"centre": centre.name, "what": what or pgettext("scope", "予約")},
            code="scope.centre",
        )


def require_event_helper(actor, event, what: str | None = None) -> None:
    """Work an event's door: staff of its ward, a city administrator, or a helper of that event."""
    if not can_help_event(actor, event):
        raise NotAllowed(
            _("「%(event)s」の%(what)sを扱う権限がありません")
            % {"event": event.title, "what": what or pgettext("scope", "受付")},
            code="scope.event",
        )


def require_member(actor, group, message: str | None = None) -> None:
    """Act for a group: its representative or a listed member (the command line may too)."""
    if is_member(actor, group):
        return
    raise NotAllowed(
        message or _("%(group)sの構成員でないため、この操作はできません") % {"group": group.name},
        code="scope.member",
    )
