from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "machi.grants"
    label = "grants"
    verbose_name = _("地域コミュニティづくり支援補助金")
    demo_label = "補助金の制度"

    def load_demo(self, dataset, *, actor):
        """The FY2022 grant programmes, linked to their ledger projects, and the same programmes open for
        applications in the current year's demo programme."""
        from machi.core.importing import ReportsInTurn
        from machi.grants import demo

        return ReportsInTurn([demo.load(actor=actor), demo.load_current_year(actor=actor)])

    def budget_commitments(self, project_ids):
        """What the grant programmes paid from these ledger projects hold of their budgets (one query)."""
        from machi.grants.queries import budget_commitments

        return budget_commitments(project_ids)

    # A person's rights over their data (machi.accounts.privacy): grant applications.
    def personal_data(self, user):
        from machi.grants.privacy import personal_data

        return personal_data(user)

    def deletion_refusals(self, user):
        from machi.grants.privacy import deletion_refusals

        return deletion_refusals(user)

    def forget_person(self, user, *, actor):
        from machi.grants.privacy import forget_person

        forget_person(user, actor=actor)

    def anonymise_expired(self, before, *, actor):
        from machi.grants.privacy import anonymise_expired

        return anonymise_expired(before, actor=actor)

    # The staff home (machi.accounts.staff_home): applications waiting for staff, by step.
    def staff_tasks(self, user, now):
        from machi.grants.staff_tasks import staff_tasks

        return staff_tasks(user, now)
