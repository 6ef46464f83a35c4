"""Steps of a grant application that several browser walks take: expense rows, attaching a PDF."""

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def row(page, prefix: str, n: int, name: str):
    """Field `name` of row `n` of the `prefix` formset (expenses, actual)."""
    return page.locator(f'[name="{prefix}-{n}-{name}"]')


def fill_expenses(page, prefix: str, lines: list[tuple[str, str, str]]) -> None:
    """Fill the first rows of a formset with (category label, description, amount as typed)."""
    for n, (category, description, amount) in enumerate(lines):
        row(page, prefix, n, "category").select_option(label=category)
        row(page, prefix, n, "description").fill(description)
        row(page, prefix, n, "amount_yen").fill(amount)


def attach_pdf(page, name: str) -> None:
    """Attach a small PDF named `name` and wait for the page to say it is attached."""
    page.locator('input[name="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="添付する").click()
    page.get_by_text(f"「{name}」を添付しました。").wait_for()
