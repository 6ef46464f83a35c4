from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "machi.events"
    label = "events"
    verbose_name = _("催し・講座・訓練")
