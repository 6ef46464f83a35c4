"""Form fields every app reads the same way: yen as people type them and dates as people write them.

Full-width digits, thousands separators and 円 for yen (１２，０００円); 2026-05-10, 2026/5/10 and
令和8年5月10日 for dates (`core.fiscal.parse_date`). Each refusal is a Japanese message naming what is wrong.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from machi.core.fiscal import parse_date
from machi.core.money import MAX_YEN


def parse_yen(value) -> int | None:
    """An amount as people type it (１２，０００円, 12,000, 12000) → integer yen; None when empty."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    text = text.replace(",", "").replace(" ", "").removesuffix("円")
    if text == "":
        return None
    if not text.isdigit():
        raise ValidationError(_("金額は0以上の整数（円）で入力してください。例：12000"), code="yen")
    yen = int(text)
    if yen > MAX_YEN:
        raise ValidationError(_("金額が大きすぎます。"), code="yen")
    return yen


class YenField(forms.Field):
    """Integer yen, 全角 and thousands separators accepted; the same reading as grants.js."""

    def __init__(self, **kwargs):
        attrs = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 30, "data-yen": ""}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        return parse_yen(value)


class DateText(forms.Field):
    """A date as people type it: 2026-05-10, 2026/5/10, 令和8年5月10日 (全角 too)."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.TextInput(attrs={"maxlength": 30, "autocomplete": "off"}), **kwargs)

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as error:
            raise ValidationError(str(error), code="date") from None
