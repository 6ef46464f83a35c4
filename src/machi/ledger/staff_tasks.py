"""The ledger's part of the staff home (`machi.accounts.staff_home`), in the person's wards:

- budgets below what services have committed against them (`shortfalls_of`, as `machi ledger check`
  finds them), one line per ward-year linking to its programme page;
- the ledger imports of the last days, per ward, from the audit log (`ledger.import` entries: one per
  project an import created or changed). An import's warnings (`ImportReport.warnings`) are printed to
  whoever ran it and are not kept, so the home shows how many projects the imports changed and when,
  and links to those entries in the audit log.

Two queries, and one per service that holds money on projects, besides the scope's own.
"""

import datetime

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from machi.accounts.scope import staff_ward_ids
from machi.accounts.staff_home import StaffTask
from machi.audit.models import AuditEntry
from machi.ledger.models import Project
from machi.ledger.queries import shortfalls_of

RECENT_IMPORT_DAYS = 30


def staff_tasks(user, now) -> list[StaffTask]:
    wards = staff_ward_ids(user)
    if wards is not None and not wards:
        return []
    section = _("台帳")
    return _shortfalls(wards, section) + _imports(wards, now, section)


def _shortfalls(wards, section) -> list[StaffTask]:
    projects = Project.objects.select_related("programme__ward").only(
        "pk", "name", "initial_yen", "revised_yen", "programme__fiscal_year", "programme__ward__code",
        "programme__ward__name",
    )  # fmt: skip
    if wards is not None:
        projects = projects.filter(programme__ward_id__in=wards)
    by_programme: dict[int, list] = {}
    for shortfall in shortfalls_of(projects):
        by_programme.setdefault(shortfall.project.programme_id, []).append(shortfall)
    tasks = []
    for found in sorted(
        by_programme.values(),
        key=lambda s: (-s[0].project.programme.fiscal_year, s[0].project.programme.ward.code),
    ):
        programme = found[0].project.programme
        tasks.append(
            StaffTask(
                section=section,
                rank=50,
                label=_("決定済みの額を下回る予算"),
                count=len(found),
                url=reverse(
                    "ledger:programme",
                    kwargs={"fiscal_year": programme.fiscal_year, "ward_code": programme.ward.code},
                ),
                ward=str(programme),
            )
        )
    if not tasks:
        tasks.append(
            StaffTask(
                section=section,
                rank=50,
                label=_("決定済みの額を下回る予算"),
                count=0,
                url=reverse("ledger:index"),
            )
        )
    return tasks


def _imports(wards, now, section) -> list[StaffTask]:
    since = now - datetime.timedelta(days=RECENT_IMPORT_DAYS)
    entries = AuditEntry.objects.filter(action="ledger.import", at__gte=since, ward__isnull=False)
    if wards is not None:
        entries = entries.filter(ward_id__in=wards)
    rows = (
        entries.order_by()
        .values("ward_id", "ward__name", "ward__code")
        .annotate(changed=Count("pk"), last=Max("at"))
        .order_by("ward__code")
    )
    log = reverse("admin:audit_auditentry_changelist")
    return [
        StaffTask(
            section=section,
            rank=50,
            label=_("%(days)d日以内の取込で変更された事業") % {"days": RECENT_IMPORT_DAYS},
            count=row["changed"],
            url=f"{log}?{urlencode({'action__exact': 'ledger.import', 'ward__id__exact': row['ward_id']})}",
            ward=row["ward__name"],
            note=_("最後の取込 %(at)s（取込の警告は記録されていません）")
            % {"at": date_format(timezone.localtime(row["last"]), _("Y年n月j日 H:i"))},
            waits=False,
        )
        for row in rows
    ]
