"""{{ request|request_label }}: a request's label in the page's language (views.common.label_of)."""

from django import template

from machi.requests.views.common import label_of

register = template.Library()


@register.filter
def request_label(request) -> str:
    return label_of(request) if request is not None else ""
