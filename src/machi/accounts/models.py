from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Machi's user from the first migration, so people, roles and scopes can grow on it."""

    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username
