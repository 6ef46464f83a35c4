"""The PDF kit in machi.core.pdf: a document built on it embeds the Japanese font and prints Japanese as typed."""

import datetime as dt
from io import BytesIO

from pypdf import PdfReader
from reportlab.platypus import Table
from tests.core.pdf_support import embedded_fonts, pdf_text

from machi.core import pdf


def _document(**kwargs) -> bytes:
    base = pdf.base_style("body", font_size=10, leading=14)
    styles = pdf.styles_from(base, title={"fontSize": 16, "leading": 22})
    # A bare string in a cell takes the table style's font: the kit's styles name the embedded one.
    table = Table([[pdf.plain("区", base), pdf.plain("決算額", base)], [pdf.plain("中央区", base), "16,701"]])
    table.setStyle(pdf.ruled_table_style())
    story = [
        pdf.plain("令和4年度 中央区まちづくり推進経費", styles["title"]),
        pdf.plain("<b>太字ではない</b> & 〒860-0808\n二行目", base),
        table,
    ]
    return pdf.build_pdf(story, title="テスト文書", subject="まちの文書", **kwargs)


def test_a_document_built_by_the_kit_embeds_the_japanese_font_and_no_other():
    fonts = embedded_fonts(_document())
    assert any("IPAexGothic" in name for name in fonts), fonts
    assert all(fonts.values()), fonts  # nothing left to the reader's own fonts (no Helvetica)


def test_japanese_text_reads_back_as_typed_with_markup_characters_printed():
    text = pdf_text(_document())
    assert "令和4年度中央区まちづくり推進経費" in text
    assert "<b>太字ではない</b>&〒860-0808" in text
    assert "二行目" in text and "決算額" in text and "16,701" in text


def test_the_document_is_a4_portrait_with_japanese_metadata():
    reader = PdfReader(BytesIO(_document(author="熊本市中央区長")))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "テスト文書"
    assert reader.metadata.author == "熊本市中央区長"
    assert reader.metadata.subject == "まちの文書"


def test_the_footer_canvas_numbers_every_page_and_dates_it():
    base = pdf.base_style("body", font_size=10, leading=14)
    story = [pdf.plain(f"{n}行目の文", base) for n in range(1, 160)]
    day = dt.date(2023, 6, 1)
    data = pdf.build_pdf(
        story, title="足もとのある文書", subject="", canvasmaker=pdf.footer_canvas("足もと", pdf.date_ja(day))
    )
    reader = PdfReader(BytesIO(data))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text().replace(" ", "")
        assert f"{number}/{pages}ページ" in text
        assert "作成日2023年6月1日" in text and "足もと" in text
    assert all(embedded_fonts(data).values())


def test_the_font_ships_inside_the_package_with_its_licence():
    assert pdf.FONT_FILE.is_file() and pdf.FONT_FILE.parent.name == "fonts"
    assert (pdf.FONT_DIR / "IPA_Font_License_Agreement_v1.0.txt").is_file()
    assert pdf.register_font() == pdf.FONT == "IPAexGothic"


def test_grid_and_ruled_table_styles_set_every_cell_in_the_embedded_font():
    for style in (
        pdf.ruled_table_style(),
        pdf.grid_table_style([("BACKGROUND", (0, 0), (0, -1), pdf.HEAD_BG)]),
    ):
        commands = {command[0]: command for command in style.getCommands()}
        assert commands["FONTNAME"][1:] == ((0, 0), (-1, -1), pdf.FONT)
