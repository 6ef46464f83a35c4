from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "machi.grants"
    label = "grants"
    verbose_name = _("地域コミュニティづくり支援補助金")
