"""Grant applications in a person's rights over their data (see machi.accounts.privacy).

An application keeps its number, group, title, status, amounts (decided, confirmed, paid, repaid)
and expense lines' categories and amounts, for the accounts and the ledger; what is erased is the
free text a person wrote (plan, schedule, expense details) and staff's reasons about it. The
application's history (`ApplicationEvent`) is append-only, like the audit log, and is kept.
"""

import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from machi.accounts.privacy import ERASED, anonymise_rows, rows
from machi.core.fiscal import fiscal_year_of
from machi.grants.models import Application, Attachment, ExpenseLine

# Applications still in progress: the person must settle or withdraw them first.
SETTLED = (Application.Status.REJECTED, Application.Status.PAID, Application.Status.WITHDRAWN)


def personal_data(user) -> dict[str, list[dict]]:
    mine = Application.objects.filter(applicant=user)
    applications = rows(
        mine.order_by("created_at", "id"),
        [
            "id",
            "programme__fiscal_year",
            "programme__name",
            "group__name",
            "title",
            "plan",
            "schedule",
            "status",
            "other_income_yen",
            "created_at",
            "submitted_at",
            "decided_yen",
            "decided_at",
            "rejection_reason",
            "confirmed_yen",
            "withdrawn_at",
            "payment__amount_yen",
            "payment__paid_at",
        ],
    )
    for row in applications:
        row["number"] = f"G{row['programme__fiscal_year']}-{row['id']:05d}"
    return {
        "grant_applications": applications,
        "grant_expenses": rows(
            ExpenseLine.objects.filter(application__in=mine).order_by("application_id", "id"),
            ["application_id", "phase", "category__name", "description", "amount_yen"],
        ),
        # The files' names and sizes, not their contents (those are downloaded from the application's page).
        "grant_attachments": rows(
            Attachment.objects.filter(application__in=mine).order_by("application_id", "id"),
            ["application_id", "kind", "name", "content_type", "size", "uploaded_at"],
        ),
    }


def deletion_refusals(user) -> list[str]:
    open_ = Application.objects.filter(applicant=user).exclude(status__in=SETTLED).select_related("programme")
    return [
        _("補助金の申請 %(number)s が手続き中です。取り下げるか、支払いが済んでから削除してください。")
        % {"number": application.number}
        for application in open_
    ]


def _anonymise(applications, *, actor) -> int:
    applications = applications.select_related("programme")
    action = "grants.anonymise_application"
    rejected = Application.Status.REJECTED
    values = {"plan": "", "schedule": ""}
    also = ["expenses.description"]
    lines = ExpenseLine.objects.filter(application__in=list(applications.values_list("pk", flat=True)))
    changed = anonymise_rows(
        applications.exclude(status=rejected), values, actor=actor, action=action, also=also
    ) + anonymise_rows(
        # A rejected application must keep a reason (a database rule): it becomes the erased mark.
        applications.filter(status=rejected),
        {**values, "rejection_reason": ERASED},
        actor=actor,
        action=action,
        also=also,
    )
    lines.exclude(description=ERASED).update(description=ERASED)
    return changed


def forget_person(user, *, actor) -> None:
    _anonymise(Application.objects.filter(applicant=user), actor=actor)


def anonymise_expired(before: datetime.date, *, actor) -> int:
    """Applications of programmes whose fiscal year ended before `before`, each once (an erased one is skipped)."""
    not_yet = (
        ~Q(plan="")
        | ~Q(schedule="")
        | (Q(status=Application.Status.REJECTED) & ~Q(rejection_reason=ERASED))
        | Q(pk__in=ExpenseLine.objects.exclude(description=ERASED).values("application_id"))
    )
    expired = Application.objects.filter(programme__fiscal_year__lt=fiscal_year_of(before)).filter(not_yet)
    return _anonymise(expired, actor=actor)
