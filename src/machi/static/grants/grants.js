// The grant application's budget: the grant shown as people type, and 「行を追加」 in place.
// The figure comes from the server's quote API (the same rule the decision uses); the page
// works without this script too (「補助金の額を計算する」 and 「行を追加」 ask the server).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-grant-form]");
  if (!form) return;
  const eligible = new Set((form.dataset.eligibleCategories || "").split(",").filter(Boolean));
  const rows = form.querySelector("[data-expense-rows]");
  const template = form.querySelector("[data-expense-template]");
  const addRow = form.querySelector("[data-add-row]");
  const shown = (name) => form.querySelector(`[data-quote="${name}"]`);
  const error = form.querySelector("[data-quote-error]");
  let asked = 0;
  let timer = null;

  // 全角 digits, thousands separators and a trailing 円 are read as forms.parse_yen reads them.
  const parseYen = (text) => {
    const value = text.normalize("NFKC").replace(/[,\s]/g, "").replace(/円$/, "");
    if (value === "") return 0;
    return /^\d+$/.test(value) ? Number(value) : NaN;
  };
  const yen = (n) => `${n.toLocaleString("ja-JP")}${form.dataset.yenUnit}`;

  const trackId = () => {
    if (form.dataset.trackId) return form.dataset.trackId;
    const checked = form.querySelector("input[name='track']:checked");
    return checked ? checked.value : null;
  };

  const update = async () => {
    let total = 0;
    let eligibleTotal = 0;
    for (const row of rows.querySelectorAll(".expense-row")) {
      const category = row.querySelector("select");
      const amount = parseYen(row.querySelector("input[data-yen]").value);
      total += amount;
      if (category && eligible.has(category.value)) eligibleTotal += amount;
    }
    const track = trackId();
    const bad = Number.isNaN(total) || !track;
    error.hidden = !Number.isNaN(total);
    shown("total").textContent = Number.isNaN(total) ? "―" : yen(total);
    shown("eligible").textContent = Number.isNaN(eligibleTotal) ? "―" : yen(eligibleTotal);
    if (bad) {
      shown("grant").textContent = "―";
      return;
    }
    const ticket = ++asked;
    try {
      const response = await fetch(form.dataset.quoteUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ track: Number(track), eligible_expenses: eligibleTotal }),
      });
      if (ticket !== asked) return; // a later question is on its way
      if (!response.ok) {
        shown("grant").textContent = "―";
        error.hidden = false;
        return;
      }
      const answer = await response.json();
      shown("grant").textContent = yen(answer.grant);
    } catch {
      if (ticket === asked) shown("grant").textContent = "―";
    }
  };

  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  };

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);

  if (addRow && template) {
    const prefix = addRow.dataset.addRow;
    const totalForms = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const maxForms = Number(form.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`).value);
    addRow.addEventListener("click", (event) => {
      event.preventDefault();
      const index = Number(totalForms.value);
      if (index >= maxForms) return;
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      rows.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      rows.lastElementChild.querySelector("select").focus();
    });
  }

  update();
});
