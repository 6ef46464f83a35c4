"""The one PDF kit every Machi document is built on (ReportLab platypus, A4, Japanese).

What every document shares lives here: the font, the palette, paragraph styles, the
document template with its metadata, the page footer, table styles and Japanese dates.
Each app keeps only its own layout: the annual reports (`machi.reports.pdf`) and the
grant notices (`machi.grants.documents`) are both stories of flowables passed to
`build_pdf`.

Japanese text is set in IPAexGothic, a TrueType font shipped in `fonts/` with its licence
(IPA Font License v1.0) so that a machine set up only by pip renders the glyphs;
ReportLab embeds the subset of glyphs a document uses. One face only: <b> and <i> in a
paragraph fall back to the same font, and every page starts in it, so a PDF refers to no
unembedded font (Helvetica) at all.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, TableStyle

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "ipaexg.ttf"
FONT = "IPAexGothic"
PDF_TYPE = "application/pdf"

PAGE_WIDTH, PAGE_HEIGHT = A4

# The palette: ink and rules as the site's pages use them (machi.css).
INK = colors.HexColor("#1a1a1c")
MUTED = colors.HexColor("#595959")
RULE = colors.HexColor("#b4b4b4")
HEAD_BG = colors.HexColor("#e8eef7")
TOTAL_BG = colors.HexColor("#dde3ea")
ACCENT = colors.HexColor("#0031d8")


@cache
def register_font() -> str:
    """Register IPAexGothic once per process (parsing the 6 MB file is the slow part); returns its name."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
    return FONT


def base_style(name: str, *, font_size: float, leading: float, **kwargs) -> ParagraphStyle:
    """A paragraph style in the embedded font, ink colour, with Japanese line breaking (CJK)."""
    register_font()
    return ParagraphStyle(
        name,
        fontName=FONT,
        bulletFontName=FONT,
        fontSize=font_size,
        leading=leading,
        textColor=INK,
        wordWrap="CJK",
        **kwargs,
    )


def styles_from(base: ParagraphStyle, **variants: dict) -> dict[str, ParagraphStyle]:
    """Named styles derived from `base`: styles_from(base, title={"fontSize": 17}, …)."""
    return {name: ParagraphStyle(name, parent=base, **options) for name, options in variants.items()}


def plain(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: markup characters printed as typed, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def hex_colour(color) -> str:
    """A ReportLab colour as "#rrggbb", for `<font color=…>` inside paragraph markup."""
    return "#" + color.hexval()[2:]


def date_ja(day: dt.date) -> str:
    """2023年6月1日 (the Gregorian date; `machi.core.fiscal.wareki_date` gives the era's)."""
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- tables


def ruled_table_style(extra: Iterable = ()) -> TableStyle:
    """A report table: a tinted header between heavy rules, hairlines between rows, a heavy rule at the end."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
            *extra,
        ]
    )


def grid_table_style(extra: Iterable = ()) -> TableStyle:
    """A letter's table: every cell boxed, text centred vertically."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            *extra,
        ]
    )


# ---------------------------------------------------------------- pages and the document


def footer_canvas(footer_left: str, footer_date: str, *, margin: float = 15 * mm) -> type[pdfcanvas.Canvas]:
    """A canvas that writes `footer_left`, "n / N ページ" and "作成日 …" at the foot of every page,
    its rule as wide as the text frame within `margin`.

    The page count is known only at the end, so each page's state is kept and the
    footers are drawn when the document is saved (the usual ReportLab recipe).
    """

    class FooterCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int):
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(margin, 12 * mm, PAGE_WIDTH - margin, 12 * mm)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawString(margin, 8 * mm, footer_left)
            self.drawCentredString(PAGE_WIDTH / 2, 8 * mm, f"{self._pageNumber} / {total} ページ")
            self.drawRightString(PAGE_WIDTH - margin, 8 * mm, f"作成日 {footer_date}")
            self.restoreState()

    return FooterCanvas


def build_pdf(
    story: list,
    *,
    title: str,
    subject: str,
    author: str = "Machi",
    margin: float = 15 * mm,
    top_margin: float | None = None,
    bottom_margin: float | None = None,
    canvasmaker: Callable | None = None,
) -> bytes:
    """Lay `story` out on A4 portrait pages and return the PDF: Japanese metadata, the font embedded."""
    register_font()
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin if top_margin is None else top_margin,
        bottomMargin=margin if bottom_margin is None else bottom_margin,
        title=title,
        author=author,
        subject=subject,
        creator="Machi (ReportLab)",
        lang="ja-JP",
        # Every page starts in the embedded font: no reference to an unembedded Helvetica.
        initialFontName=FONT,
    )
    if canvasmaker is None:
        doc.build(story)
    else:
        doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()
