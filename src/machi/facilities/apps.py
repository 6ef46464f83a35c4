from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "machi.facilities"
    label = "facilities"
    verbose_name = _("地域コミュニティセンター")
    demo_label = "デモのセンター"

    def load_demo(self, dataset, *, actor):
        """The demo centres and rooms (centres.csv and rooms.csv), after the ledger they belong to, and a
        coming month put to lottery at two of them (`facilities.demo`)."""
        from machi.core.importing import ReportsInTurn
        from machi.facilities import demo
        from machi.facilities.importers import import_path

        imported = import_path(dataset, source=self.demo_label, actor=actor)
        return ReportsInTurn([imported, demo.load_lotteries(actor=actor)])

    # A person's rights over their data (machi.accounts.privacy): bookings and lottery entries.
    def personal_data(self, user):
        from machi.facilities.privacy import personal_data

        return personal_data(user)

    def deletion_refusals(self, user):
        from machi.facilities.privacy import deletion_refusals

        return deletion_refusals(user)

    def forget_person(self, user, *, actor):
        from machi.facilities.privacy import forget_person

        forget_person(user, actor=actor)

    def anonymise_expired(self, before, *, actor):
        from machi.facilities.privacy import anonymise_expired

        return anonymise_expired(before, actor=actor)

    # The staff home (machi.accounts.staff_home): what waits at the person's centres.
    def staff_tasks(self, user, now):
        from machi.facilities.staff_tasks import staff_tasks

        return staff_tasks(user, now)
