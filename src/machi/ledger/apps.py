from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "machi.ledger"
    label = "ledger"
    verbose_name = _("まちづくり推進経費 台帳")
