"""The pages of a person's rights over their data: the download, the account's deletion, the privacy page.

Thin: the work is in machi.accounts.privacy, which asks every app for its part.
"""

import csv
import io
import json
import zipfile

from django import forms
from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from machi.accounts import privacy
from machi.accounts.forms import NamedRequiredMessages
from machi.core.errors import Refused
from machi.core.importing import escape_formula


def _filename(user, ext: str) -> str:
    return f"machi-personal-data-{user.pk}-{timezone.localdate():%Y%m%d}.{ext}"


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@login_required
def data_json(request):
    sections = privacy.export_personal_data(actor=request.user, user=request.user, fmt="json")
    body = json.dumps(
        {"generated_at": timezone.localtime().isoformat(), "sections": sections},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        indent=2,
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return _attachment(response, _filename(request.user, "json"))


def _csv(rows: list[dict]) -> bytes:
    """One section as CSV: UTF-8 with a BOM (Excel reads it as such), formula-like text kept as text."""
    out = io.StringIO()
    names = list(dict.fromkeys(name for row in rows for name in row))
    writer = csv.writer(out)
    writer.writerow(names)
    for row in rows:
        writer.writerow(
            [
                escape_formula(value) if isinstance(value, str) else ("" if value is None else value)
                for value in (row.get(name) for name in names)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@never_cache
@login_required
def data_zip(request):
    """A ZIP of CSVs, one per section."""
    sections = privacy.export_personal_data(actor=request.user, user=request.user, fmt="zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    return _attachment(response, _filename(request.user, "zip"))


class DeleteAccountForm(NamedRequiredMessages, forms.Form):
    password = forms.CharField(
        label=_("パスワード（確認のため）"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@never_cache
@login_required
def delete_account(request):
    """GET explains what is erased and what is kept (or why not now); POST, with the password, deletes."""
    user = request.user
    form = DeleteAccountForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            privacy.delete_account(actor=user, user=user, password=form.cleaned_data["password"])
        except Refused as refusal:
            form.add_error(None if isinstance(refusal, privacy.DeletionRefused) else "password", str(refusal))
            status = 400
        else:
            auth.logout(request)
            return render(request, "accounts/account_deleted.html")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/account_delete.html",
        {"form": form, "reasons": privacy.deletion_refusals(user)},
        status=status,
    )


def privacy_page(request):
    """The public privacy page: what is kept, why, for how long, who sees it, and one's rights."""
    return render(request, "privacy.html", {"retention_years": privacy.retention_fiscal_years()})
