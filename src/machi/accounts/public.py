"""Who did something, as the public may be told: an office or a role, never a person.

Public pages, the public API, feeds and open data name the actor of a change with
`public_actor_label` alone, so no surface shows a username (an email address for people who
signed up on the web), a name or a phone. Staff pages (the admin, the audit) show the person.
"""

from django.utils.translation import gettext as _


def public_actor_label(user, ward) -> str:
    """The office that acted in `ward`'s matters: 市役所 for a city administrator, the ward's office
    (中央区役所) for anyone else, システム for the system (imports, the command line: no user).

    Only a ward's staff or a city administrator may change a ward's figures or run its services, so
    a person without the city role now acted as the ward's staff then. Reads `user.role_grants`
    through a prefetch where the caller made one (`prefetch_related("changed_by__role_grants")`).
    """
    if user is None:
        return _("システム")
    if user.is_superuser or any(grant.role == "city-admin" for grant in user.role_grants.all()):
        city = getattr(ward, "city_name", "")
        return _("%(place)s役所") % {"place": city} if city else _("市役所")
    return _("%(place)s役所") % {"place": ward.name}
