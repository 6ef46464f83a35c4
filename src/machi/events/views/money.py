"""Staff record an event's expenses (by 節) and take them back; each moves the project's 決算額.

Thin: the form reads what was typed (全角 digits, 1,000, 令和 dates); `actions.record_expense` decides.
The confirmation step runs the real action and rolls it back (`core.preview.rolled_back`), so the
決算額 shown before confirming is the one that will be recorded.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from machi.accounts.forms import NamedRequiredMessages, add_action_errors
from machi.accounts.scope import NotAllowed, can_manage_ward
from machi.core.forms import DateText
from machi.core.preview import rolled_back
from machi.events import actions
from machi.events.models import Event, EventExpense
from machi.grants.forms import YenField


class ExpenseForm(NamedRequiredMessages, forms.Form):
    section = forms.ChoiceField(label=_("節"), choices=EventExpense.Section.choices)
    payee = forms.CharField(label=_("支払先"), max_length=200, help_text=_("公開の履歴には表示しません"))
    paid_on = DateText(label=_("支払日"), help_text=_("例：2026-05-10、令和8年5月10日"))
    amount_yen = YenField(label=_("金額（円）"), help_text=_("例：12000（全角・カンマ可）"))
    note = forms.CharField(label=_("摘要"), max_length=200, required=False)
    overdraw_reason = forms.CharField(
        label=_("予算の残りを超える理由"),
        max_length=500,
        required=False,
        help_text=_("予算の残りを超えるときだけ入力してください"),
    )


class WithdrawForm(NamedRequiredMessages, forms.Form):
    reason = forms.CharField(label=_("取り消す理由"), max_length=200)


def _event_for_staff(request, event_id: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("ward", "project__programme"), pk=event_id)
    if not can_manage_ward(request.user, event.ward_id):
        raise NotAllowed(gettext("この催しの支出を扱う権限がありません"), code="scope.ward")
    return event


@login_required
def expenses(request, event_id: int):
    event = _event_for_staff(request, event_id)
    form = ExpenseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data

        def record():
            return actions.record_expense(actor=request.user, event=event, **values)

        try:
            if request.POST.get("confirmed") == "yes":
                record()
                messages.success(
                    request,
                    gettext("%(yen)s円の支出を記録し、事業の決算額に計上しました")
                    % {"yen": f"{values['amount_yen']:,}"},
                )
                return redirect("events_ledger:expenses", event_id=event.pk)
            return _confirmation(request, event, form, rolled_back(lambda: _preview(event, record)))
        except ValidationError as refusal:
            add_action_errors(form, refusal)
    return _page(request, event, form, status=400 if form.errors else 200)


@login_required
@require_POST
def withdraw(request, expense_id: int):
    expense = get_object_or_404(EventExpense, pk=expense_id)
    event = _event_for_staff(request, expense.event_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            actions.withdraw_expense(actor=request.user, expense=expense, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(
                request,
                gettext("%(yen)s円の支出を取り消し、事業の決算額から差し引きました")
                % {"yen": f"{expense.amount_yen:,}"},
            )
    else:
        messages.error(request, gettext("取り消す理由を入力してください"))
    return redirect("events_ledger:expenses", event_id=event.pk)


def _preview(event, record):
    from machi.ledger.models import Project

    before = Project.objects.get(pk=event.project_id).settled_yen
    record()
    return before, Project.objects.get(pk=event.project_id).settled_yen


def _confirmation(request, event, form, settled):
    before, after = settled
    return render(
        request,
        "events/money/confirm.html",
        {
            "event": event,
            "form": form,
            "values": form.cleaned_data,
            "settled_before": before,
            "settled_after": after,
        },
    )


def _page(request, event, form, *, status=200):
    from machi.ledger.queries import stored_money_left

    rows = list(
        event.expenses.select_related("recorded_by", "withdrawn_by", "corrected_by").order_by("paid_on", "id")
    )
    active = [row for row in rows if row.withdrawn_at is None]
    return render(
        request,
        "events/money/expenses.html",
        {
            "event": event,
            "project": event.project,
            "form": form,
            "expenses": rows,
            "total_yen": sum(row.amount_yen for row in active),
            "money_left": stored_money_left([event.project_id])[event.project_id],
            "withdraw_form": WithdrawForm(),
        },
        status=status,
    )
