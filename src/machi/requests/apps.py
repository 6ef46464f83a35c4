from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "machi.requests"
    label = "requests"
    verbose_name = _("地域課題の受付")
