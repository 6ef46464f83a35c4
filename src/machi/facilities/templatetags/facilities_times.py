"""`{{ blocks|booking_times }}`: a booking's times, each run of back-to-back blocks once (models.times_label)."""

from django import template

from machi.facilities.models import times_label

register = template.Library()


@register.filter
def booking_times(blocks) -> str:
    """TimeBlocks, or the blocks a booking holds (ReservationBlock, with the times held), as 13:00〜17:00、18:00〜21:00."""
    return times_label(blocks)
