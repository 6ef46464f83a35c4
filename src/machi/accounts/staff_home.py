"""The staff home (今日の仕事): what waits for a member of staff today in the wards and centres they look after.

Accounts sits below the services, so it asks each app through its AppConfig, as the ledger asks for
budget commitments and `machi.accounts.privacy` for a person's data: an app may define

- `staff_tasks(user, now) -> list[StaffTask]`: what waits in that app for this person, within their
  scope as `machi.accounts.scope` gives it (city administrators every ward, ward staff their wards,
  centre managers their centres), each a count and a link, in a fixed number of queries however many
  wards, centres or rows there are.

Each app keeps its part in its own `staff_tasks.py`; this module holds the item, collects the parts,
and holds the accounts' own part (community groups waiting for review) and the year's set-up links.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from machi.accounts.scope import staff_ward_ids

# Set at login for anyone with a staff role: the header links to the home without a query on every page.
SESSION_KEY = "machi_staff_home"


@dataclass(frozen=True)
class StaffTask:
    """One line of the staff home: how many things wait (`count`) and where to deal with them (`url`).

    `section` is the heading the line is shown under and `rank` orders the sections (lower first);
    `ward` names the ward or centre the line is about ("" for everything in the person's scope);
    `note` says a little more (the date of the last import, say). A count that tells rather than waits
    (today's bookings on a day sheet, projects an import changed) has `waits` False: it is left out of
    the totals of what waits.
    """

    section: str
    rank: int
    label: str
    count: int
    url: str
    ward: str = ""
    note: str = ""
    waits: bool = True


@dataclass(frozen=True)
class StaffSection:
    title: str
    tasks: list[StaffTask]

    @property
    def waiting(self) -> int:
        return sum(task.count for task in self.tasks if task.waits)

    @property
    def counts_waiting(self) -> bool:
        return any(task.waits for task in self.tasks)


def staff_tasks(user, now) -> list[StaffTask]:
    """Every app's tasks for this person: one call of each app's hook."""
    found: list[StaffTask] = []
    for config in apps.get_app_configs():
        hook = getattr(config, "staff_tasks", None)
        if hook is not None:
            found.extend(hook(user, now))
    return found


def staff_sections(user, now) -> list[StaffSection]:
    """The tasks under their headings, the sections in their rank's order and each one's lines as given."""
    sections: dict[str, tuple[int, list[StaffTask]]] = {}
    for task in staff_tasks(user, now):
        _rank, tasks = sections.setdefault(str(task.section), (task.rank, []))
        tasks.append(task)
    ordered = sorted(sections.items(), key=lambda item: item[1][0])
    return [StaffSection(title, tasks) for title, (_rank, tasks) in ordered]


# --- The accounts' own part ------------------------------------------------------------------


def account_tasks(user, now) -> list[StaffTask]:
    """Community groups waiting for review in the person's wards (ward staff and city administrators)."""
    from machi.accounts.models import CommunityGroup

    wards = staff_ward_ids(user)
    if wards is not None and not wards:
        return []
    pending = CommunityGroup.objects.in_wards(wards).awaiting_review().count()
    return [
        StaffTask(
            section=_("団体の審査"),
            rank=10,
            label=_("審査を待っている団体"),
            count=pending,
            url=reverse("accounts:staff_groups"),
        )
    ]


# --- The year's set-up ------------------------------------------------------------------------

# Pages where staff set up a year, by URL name: a page not (yet) in this Machi is left out, not an error.
SETUP_PAGES = [
    ("ledger:manage_wards", _("事業計画を次の年度へ引き継ぐ")),
    ("grants:manage_programme_new", _("補助金の制度を作って受付を始める")),
    ("facilities:manage", _("センターの抽選を設定する")),
]


@dataclass(frozen=True)
class SetupLink:
    label: str
    url: str


def setup_links(user) -> list[SetupLink]:
    """The set-up pages that exist here, for ward staff and city administrators (no query beyond the scope's)."""
    wards = staff_ward_ids(user)
    if wards is not None and not wards:
        return []
    links = []
    for name, label in SETUP_PAGES:
        try:
            links.append(SetupLink(label, reverse(name)))
        except NoReverseMatch:
            continue
    return links
