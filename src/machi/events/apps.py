from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "machi.events"
    label = "events"
    verbose_name = _("催し・講座・訓練")

    # A person's rights over their data (machi.accounts.privacy): event registrations.
    def personal_data(self, user):
        from machi.events.privacy import personal_data

        return personal_data(user)
