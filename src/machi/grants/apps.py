from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "machi.grants"
    label = "grants"
    verbose_name = _("地域コミュニティづくり支援補助金")
    demo_label = "補助金の制度"

    def load_demo(self, dataset, *, actor):
        """The FY2022 grant programmes, linked to their ledger projects."""
        from machi.grants import demo

        return demo.load(actor=actor)

    def budget_commitments(self, project_ids):
        """What the grant programmes paid from these ledger projects hold of their budgets (one query)."""
        from machi.grants.queries import budget_commitments

        return budget_commitments(project_ids)
