"""Community centres (地域コミュニティセンター).

Only what roles need today: a centre belongs to a ward, and centre managers are
scoped to centres. Rooms, opening hours and bookings come with the reservations work.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Centre(models.Model):
    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.PROTECT, related_name="centres", verbose_name=_("区")
    )
    name = models.CharField(_("名称"), max_length=200)
    name_kana = models.CharField(_("名称（かな）"), max_length=200, blank=True)

    class Meta:
        ordering = ["ward__code", "name"]
        verbose_name = _("地域コミュニティセンター")
        verbose_name_plural = _("地域コミュニティセンター")
        constraints = [models.UniqueConstraint(fields=["ward", "name"], name="centre_name_unique_in_ward")]

    def __str__(self) -> str:
        return self.name
