"""Template helpers of the events pages: when a session is, in the page's language."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from machi.core import display

register = template.Library()


@register.simple_tag
def session_when(session) -> str:
    """2026年11月3日（火） 10:00〜12:00, or Tue, 3 Nov 2026 10:00–12:00 (a session ending another day: both days)."""
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    day_format = _("Y年n月j日（D）")
    if starts.date() == ends.date():
        return f"{date_format(starts, day_format)} {display.time_range(starts.time(), ends.time())}"
    return _("%(start)s から %(end)s") % {
        "start": f"{date_format(starts, day_format)} {starts:%H:%M}",
        "end": f"{date_format(ends, day_format)} {ends:%H:%M}",
    }


@register.simple_tag
def moment(value) -> str:
    """A deadline: 2026年11月2日（月） 17:00."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, _('Y年n月j日（D）'))} {local:%H:%M}"
