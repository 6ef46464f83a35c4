"""Template filters for the joins between words, in the page's language (machi.core.display)."""

from django import template

from machi.core import display

register = template.Library()


@register.filter
def join_words(items) -> str:
    """{{ blocks|join_words }}: 午前・午後, or Morning, Afternoon."""
    return display.join_words(items)


@register.filter
def join_clauses(items) -> str:
    return display.join_clauses(items)


@register.filter
def in_brackets(text) -> str:
    """{{ number|in_brackets }}: （M2027-0000001）, or (M2027-0000001)."""
    return display.in_brackets(text)


@register.simple_tag
def time_range(start, end) -> str:
    """{% time_range block.starts_at block.ends_at %}: 9:00〜12:00, or 9:00–12:00."""
    return display.time_range(start, end)
