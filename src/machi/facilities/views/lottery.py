"""The lottery (抽選) pages: the list, a lottery's public page, applying, one's own entry, and staff's page.

Thin views: the forms check what was typed; `machi.facilities.lottery` decides and writes, and
its refusal is shown in its own words. The public page shows entries by number only; names are
for the centre's staff.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from machi.accounts.forms import NamedRequiredMessages, add_action_errors
from machi.accounts.models import CommunityGroup
from machi.accounts.views import forbidden
from machi.audit.actions import record_view
from machi.facilities import lottery as lotteries
from machi.facilities.actions import can_manage_centre, confirm_win
from machi.facilities.lottery import Stage
from machi.facilities.models import Centre, Lottery, LotteryChoice, LotteryEntry, Reservation
from machi.facilities.queries import add_months, closure_reason, managed_centre_ids, overlapping_groups

STAGE_LABELS = {
    Stage.UPCOMING: gettext_lazy("受付前"),
    Stage.OPEN: gettext_lazy("申込受付中"),
    Stage.CLOSED: gettext_lazy("締切・抽選待ち"),
    Stage.DRAWN: gettext_lazy("抽選済み・当選者の確認期間"),
    Stage.FIRST_COME: gettext_lazy("抽選済み・空き枠は先着順"),
}
RESULT_LABELS = {
    lotteries.WON: gettext_lazy("当選"),
    lotteries.LOST: gettext_lazy("落選"),
    lotteries.ALREADY_WON: gettext_lazy("対象外（上位の希望で当選）"),
}


def _lottery(lottery_id: int) -> Lottery:
    return get_object_or_404(Lottery.objects.select_related("centre__ward"), pk=lottery_id)


def _page(lottery: Lottery, now) -> dict:
    """What every lottery page shows of it: where it stands, and the seed once it may be known."""
    stage = lotteries.stage(lottery, now)
    return {
        "lottery": lottery,
        "centre": lottery.centre,
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "seed": lotteries.published_seed(lottery, now),
        "nav": "lottery",
    }


def _decisions(lottery: Lottery) -> list[dict]:
    return [row | {"label": RESULT_LABELS[row["result"]]} for row in lotteries.decision_rows(lottery)]


# --- Public pages -------------------------------------------------------------------------------


def lottery_list(request):
    """This month's and later months' lotteries, with where each stands."""
    now = timezone.now()
    this_month = timezone.localdate(now).replace(day=1)
    found = list(
        Lottery.objects.filter(month__gte=this_month)
        .select_related("centre__ward")
        .annotate(entry_count=Count("entries"))
        .order_by("month", "centre__ward__code", "centre__name_kana", "centre__name")
    )
    managed = managed_centre_ids(request.user) if request.user.is_authenticated else set()
    for lottery in found:
        lottery.stage = lotteries.stage(lottery, now)
        lottery.stage_label = STAGE_LABELS[lottery.stage]
        lottery.managed = managed is None or lottery.centre_id in managed
    return render(
        request,
        "facilities/lottery/list.html",
        {"lotteries": found, "may_set_up": managed is None or bool(managed), "nav": "lottery"},
    )


def lottery_detail(request, lottery_id: int):
    lottery = _lottery(lottery_id)
    now = timezone.now()
    context = _page(lottery, now) | {
        "entry": lotteries.entry_of(request.user, lottery),
        "entry_count": lottery.entries.count(),
        "manages": request.user.is_authenticated and can_manage_centre(request.user, lottery.centre),
    }
    if lottery.drawn_at is not None:
        context |= {"decisions": _decisions(lottery), "verification": lotteries.verify_draw(lottery)}
    return render(request, "facilities/lottery/detail.html", context)


def lottery_log(request, lottery_id: int):
    """The draw's log as JSON, for anyone to re-run it (entries by number; no names)."""
    lottery = _lottery(lottery_id)
    if lottery.drawn_at is None:
        raise Http404
    response = JsonResponse(lottery.draw_log, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'inline; filename="lottery-{lottery.pk}-log.json"'
    return response


# --- Applying ---------------------------------------------------------------------------------------


class ApplyForm(NamedRequiredMessages, forms.Form):
    """Ranked choices, each a room, an open day of the month and consecutive blocks; the first is required."""

    group = forms.ModelChoiceField(
        label=gettext_lazy("申し込む団体"),
        queryset=CommunityGroup.objects.none(),
        required=False,
        empty_label=gettext_lazy("個人で申し込む"),
        help_text=gettext_lazy(
            "申込は1人1件、1団体1件です。団体で申し込むと、団体の種別による使用料の減免を受けられることがあります。"
        ),
    )

    def __init__(self, *args, lottery: Lottery, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.lottery = lottery
        centre = lottery.centre
        if groups is None:
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups
        rooms = centre.rooms.all()
        days = _open_days(lottery)
        blocks = [(b.code, str(b)) for b in centre.blocks.all()]
        for rank in range(1, lottery.max_choices + 1):
            first = rank == 1
            room = forms.ModelChoiceField(
                label=_("第%(rank)d希望の部屋") % {"rank": rank},
                queryset=rooms,
                required=first,
                empty_label=_("選択してください"),
            )
            room.label_from_instance = _room_label
            day = forms.ChoiceField(
                label=_("第%(rank)d希望の利用日") % {"rank": rank},
                choices=[("", _("選択してください")), *days],
                required=first,
                help_text=_("休館日は選べません。"),
            )
            chosen = forms.MultipleChoiceField(
                label=_("第%(rank)d希望の利用区分") % {"rank": rank},
                choices=blocks,
                widget=forms.CheckboxSelectMultiple,
                required=first,
                help_text=_("続けて使う場合は、連続した区分を選んでください。"),
            )
            for name, field, short in (
                ("room", room, _("部屋")),
                ("date", day, _("利用日")),
                ("blocks", chosen, _("利用区分")),
            ):
                field.short_label = short
                field.error_messages["required"] = _("%(label)sを選んでください。") % {"label": field.label}
                self.fields[f"{name}_{rank}"] = field

    def ranks(self):
        """[(rank, [room, date, blocks bound fields])] for the template."""
        return [
            (rank, [self[f"{name}_{rank}"] for name in ("room", "date", "blocks")])
            for rank in range(1, self.lottery.max_choices + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        self.choices = []
        for rank in range(1, self.lottery.max_choices + 1):
            names = [f"{name}_{rank}" for name in ("room", "date", "blocks")]
            if any(name in self.errors for name in names):
                continue
            values = [cleaned.get(name) for name in names]
            if not any(values):
                continue
            missing = [name for name, value in zip(names, values, strict=True) if not value]
            for name in missing:
                self.add_error(name, self.fields[name].error_messages["required"])
            if not missing:
                room, day, codes = values
                self.choices.append((room, datetime.date.fromisoformat(day), codes))
        return cleaned

    @classmethod
    def initial_from(cls, entry: LotteryEntry | None) -> dict:
        if entry is None:
            return {}
        initial = {"group": entry.group_id}
        for choice in entry.choices.all():
            initial |= {
                f"room_{choice.rank}": choice.room_id,
                f"date_{choice.rank}": choice.date.isoformat(),
                f"blocks_{choice.rank}": [block.code for block in choice.blocks.all()],
            }
        return initial


def _room_label(room) -> str:
    return _("%(name)s（定員%(capacity)d人・1区分%(fee)s円）") % {
        "name": room.name,
        "capacity": room.capacity,
        "fee": f"{room.fee_per_block_yen:,}",
    }


def _open_days(lottery: Lottery) -> list[tuple[str, str]]:
    """The month's days the centre is open, as choices: ("2027-03-09", "3月9日（火）")."""
    centre = lottery.centre
    end = add_months(lottery.month, 1)
    closed = dict(
        centre.closed_days.filter(date__gte=lottery.month, date__lt=end).values_list("date", "reason")
    )
    days, day = [], lottery.month
    while day < end:
        if closure_reason(centre, day, closed) is None:
            days.append((day.isoformat(), date_format(day, _("n月j日（D）"))))
        day += datetime.timedelta(days=1)
    return days


@login_required
def lottery_apply(request, lottery_id: int):
    lottery = _lottery(lottery_id)
    now = timezone.now()
    entry = lotteries.entry_of(request.user, lottery)
    groups = CommunityGroup.objects.of_person(request.user).filter(status=CommunityGroup.Status.APPROVED)
    represented = [group.pk for group in groups if group.representative_id == request.user.pk]
    initial = ApplyForm.initial_from(entry)
    if entry is None and len(represented) == 1:
        initial["group"] = represented[0]  # the one group the person represents, with its 減免
    form = ApplyForm(
        request.POST or None,
        initial=initial,
        lottery=lottery,
        groups=groups if groups.exists() else None,
    )
    context = _page(lottery, now) | {"entry": entry, "form": form}
    if lotteries.stage(lottery, now) != Stage.OPEN:
        return render(request, "facilities/lottery/apply.html", context | {"closed": True})
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data.get("group")
        try:
            if entry is None:
                entry = lotteries.apply(
                    actor=request.user, lottery=lottery, choices=form.choices, group=group, now=now
                )
                messages.success(
                    request, _("抽選に申し込みました。申込番号は %(number)d です。") % {"number": entry.pk}
                )
            else:
                lotteries.change_entry(
                    actor=request.user, entry=entry, choices=form.choices, group=group, now=now
                )
                messages.success(request, _("申込の内容を変更しました。"))
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            return redirect("facilities:lottery-entry", lottery_id=lottery.pk)
    return render(request, "facilities/lottery/apply.html", context)


@login_required
def lottery_entry(request, lottery_id: int):
    """One's own entry: the choices, and after the draw the result, with the button to confirm a win."""
    lottery = _lottery(lottery_id)
    now = timezone.now()
    entry = lotteries.entry_of(request.user, lottery)
    won = next((choice for choice in entry.choices.all() if choice.won_id), None) if entry else None
    reservation = won.won if won else None
    return render(
        request,
        "facilities/lottery/entry.html",
        _page(lottery, now)
        | {
            "entry": entry,
            "won": won,
            "reservation": reservation,
            "confirmable": reservation is not None
            and reservation.status == Reservation.Status.WON
            and now <= reservation.confirm_by,
        },
    )


@login_required
@require_POST
def lottery_withdraw(request, lottery_id: int):
    lottery = _lottery(lottery_id)
    entry = lotteries.entry_of(request.user, lottery)
    if entry is None:
        raise Http404
    try:
        lotteries.withdraw(actor=request.user, entry=entry)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
        return redirect("facilities:lottery-entry", lottery_id=lottery.pk)
    messages.success(request, _("抽選の申込を取り消しました。"))
    return redirect("facilities:lottery-detail", lottery_id=lottery.pk)


@login_required
@require_POST
def lottery_confirm(request, lottery_id: int):
    lottery = _lottery(lottery_id)
    entry = lotteries.entry_of(request.user, lottery)
    won = next((choice for choice in entry.choices.all() if choice.won_id), None) if entry else None
    if won is None:
        raise Http404
    try:
        confirm_win(actor=request.user, reservation=won.won)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("利用を確定しました。当日はセンターでお待ちしています。"))
    return redirect("facilities:lottery-entry", lottery_id=lottery.pk)


# --- Staff ----------------------------------------------------------------------------------------------


def _managed_lottery(request, lottery_id: int):
    lottery = _lottery(lottery_id)
    if not can_manage_centre(request.user, lottery.centre):
        return lottery, forbidden(
            request, _("%(centre)sの抽選を扱う権限がありません。") % {"centre": lottery.centre.name}
        )
    return lottery, None


@login_required
def lottery_staff(request, lottery_id: int):
    """The entries with names, groups whose member lists overlap, the draw button and the draw's log."""
    lottery, refusal = _managed_lottery(request, lottery_id)
    if refusal:
        return refusal
    now = timezone.now()
    entries = list(
        lottery.entries.select_related("applicant", "group")
        .prefetch_related(
            Prefetch(
                "choices", queryset=LotteryChoice.objects.select_related("room", "won").order_by("rank")
            ),
            "choices__blocks",
        )
        .order_by("id")
    )
    for entry in entries:
        entry.won_choice = next((choice for choice in entry.choices.all() if choice.won_id), None)
    record_view(
        actor=request.user,
        action="facilities.view_lottery_entries",
        obj=lottery,
        people=[entry.applicant_id for entry in entries],
        detail={"entries": [entry.pk for entry in entries]},
    )
    groups = [entry.group for entry in entries if entry.group_id]
    context = _page(lottery, now) | {
        "entries": entries,
        "overlaps": overlapping_groups(groups) if len(groups) > 1 else [],
        "can_draw": lotteries.can_draw(lottery, now),
    }
    if lottery.drawn_at is not None:
        context |= {"decisions": _decisions(lottery), "verification": lotteries.verify_draw(lottery)}
    return render(request, "facilities/lottery/staff.html", context)


@login_required
@require_POST
def lottery_draw(request, lottery_id: int):
    lottery, refusal = _managed_lottery(request, lottery_id)
    if refusal:
        return refusal
    try:
        outcome = lotteries.draw(actor=request.user, lottery=lottery)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(
            request,
            _(
                "抽選を実施しました（申込 %(entries)d件、当選 %(winners)d件）。結果を申込者にメールで送りました。"
            )
            % {"entries": outcome.entries, "winners": outcome.winners},
        )
    return redirect("facilities:lottery-staff", lottery_id=lottery.pk)


class NewLotteryForm(NamedRequiredMessages, forms.Form):
    centre = forms.ModelChoiceField(
        label=gettext_lazy("センター"),
        queryset=Centre.objects.none(),
        empty_label=gettext_lazy("選択してください"),
    )
    month = forms.DateField(
        label=gettext_lazy("対象月"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=gettext_lazy(
            "例：2027-03。申込・抽選・確認・先着受付の日程は、標準の日程（予約受付の月の1日〜7日に申込、8日 9:00に抽選、15日までに確認、16日 9:00から先着順）になります。"
        ),
    )
    max_choices = forms.TypedChoiceField(
        label=gettext_lazy("希望の数"), coerce=int, choices=[(n, n) for n in range(1, 6)], initial=3
    )

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres


@login_required
def lottery_new(request):
    managed = managed_centre_ids(request.user)
    centres = Centre.objects.select_related("ward").order_by("ward__code", "name_kana", "name")
    if managed is not None:
        if not managed:
            return forbidden(request, _("このページはセンターの管理者と区の職員だけが利用できます。"))
        centres = centres.filter(pk__in=managed)
    form = NewLotteryForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lottery = lotteries.create_lottery(
                actor=request.user,
                centre=data["centre"],
                month=data["month"],
                max_choices=data["max_choices"],
                **lotteries.default_schedule(data["centre"], data["month"]),
            )
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(request, _("抽選を設定しました。"))
            return redirect("facilities:lottery-staff", lottery_id=lottery.pk)
    return render(request, "facilities/lottery/new.html", {"form": form, "nav": "lottery"})
