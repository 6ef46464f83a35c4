"""A registration's code as a QR code (segno): inline SVG for the pages, PNG for the mail.

The QR code holds the code itself (six characters without 0/O/1/I), nothing personal, so a
helper's phone reads it at the door and a person may read the same code aloud on the phone.
"""

import io

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def _qr(code: str):
    return segno.make(code, error="m", micro=False)


def qr_svg(code: str, *, scale: int = 5) -> SafeString:
    """An inline SVG image, labelled for screen readers with the code it holds."""
    label = escape(_("受付番号 %(code)s のQRコード") % {"code": code})
    svg = _qr(code).svg_inline(scale=scale, light="#fff", title=label, svgclass="qr-code", lineclass=None)
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


def qr_png(code: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
