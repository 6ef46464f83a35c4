"""A community group's pages under /events/organise/: its events, propose one for a project of its ward
(承認待ち until the ward's staff approve it), and change a declined proposal and send it again.

Only the representative or a listed member of an approved group proposes; the actions check it again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from machi.accounts.models import CommunityGroup
from machi.accounts.scope import is_member
from machi.accounts.views import forbidden
from machi.events import actions, queries
from machi.events.forms import EventForm, event_initial
from machi.events.models import Event
from machi.events.views.staff import current_projects, event_form_page, ward_rooms


def _groups(user):
    return CommunityGroup.objects.of_person(user).filter(status="approved").select_related("ward")


@login_required
def index(request):
    groups = list(_groups(request.user))
    return render(
        request,
        "events/manage/organise.html",
        {"groups": groups, "events": queries.events_of_groups(groups) if groups else [], "nav": "organise"},
    )


def _form_kwargs(group) -> dict:
    return {
        "projects": current_projects(Q(programme__ward_id=group.ward_id)),
        "groups": None,
        "rooms": ward_rooms(Q(centre__ward_id=group.ward_id)),
    }


@login_required
def propose(request, group_id: int):
    group = get_object_or_404(_groups(request.user), pk=group_id)
    return event_form_page(
        request,
        form=EventForm(request.POST or None, **_form_kwargs(group)),
        event=None,
        save=lambda values, moments, asked: actions.propose_event(
            actor=request.user, group=group, sessions=moments, questions=asked, **values
        ),
        done=_("催しを提案しました。区の職員が確認して承認すると公開されます。"),
        next_url=lambda _event: reverse("events:organise"),
        group=group,
        nav="organise",
    )


@login_required
def edit(request, event_id: int):
    """Change a declined proposal (a draft of the group's) and send it to the ward again."""
    event = get_object_or_404(
        Event.objects.select_related("organiser_group__ward", "ward").prefetch_related(
            "sessions", "questions"
        ),
        pk=event_id,
        organiser_group__isnull=False,
    )
    group = event.organiser_group
    if not is_member(request.user, group):
        return forbidden(request, _("この催しを変更する権限がありません"))
    if event.status != Event.Status.DRAFT:
        messages.error(request, _("差し戻された催しだけ変更できます。"))
        return redirect("events:organise")

    def save(values, moments, asked):
        changed = actions.update_event(
            actor=request.user, event=event, sessions=moments, questions=asked, **values
        )
        return actions.submit_event(actor=request.user, event=changed)

    return event_form_page(
        request,
        form=EventForm(request.POST or None, initial=event_initial(event), **_form_kwargs(group)),
        event=event,
        save=save,
        done=_("修正して、もう一度提案しました。"),
        next_url=lambda _event: reverse("events:organise"),
        group=group,
        nav="organise",
    )
