from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "machi.ledger"
    label = "ledger"
    verbose_name = _("まちづくり推進経費 台帳")
    demo_label = "デモデータ"

    def load_demo(self, dataset, *, actor):
        """The five wards' FY2022 ledger (dataset.json and ledger.csv), then the current year's demo
        programmes carried forward from it (`ledger.demo`)."""
        from machi.core.importing import ReportsInTurn
        from machi.ledger import demo
        from machi.ledger.importers import import_path

        imported = import_path(dataset, source="data/kumamoto-fy2022", actor=actor)
        return ReportsInTurn([imported, demo.load_current_year(actor=actor)])

    # The staff home (machi.accounts.staff_home): budgets below commitments, recent imports.
    def staff_tasks(self, user, now):
        from machi.ledger.staff_tasks import staff_tasks

        return staff_tasks(user, now)
