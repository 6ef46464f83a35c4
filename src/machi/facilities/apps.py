from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "machi.facilities"
    label = "facilities"
    verbose_name = _("地域コミュニティセンター")
    demo_label = "デモのセンター"

    def load_demo(self, dataset, *, actor):
        """The demo centres and rooms (centres.csv and rooms.csv), after the ledger they belong to."""
        from machi.facilities.importers import import_path

        return import_path(dataset, source=self.demo_label, actor=actor)
