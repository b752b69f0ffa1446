// Steward's only script: send the CSRF token with every HTMX request, hold back
// as-you-type searches that are too short to narrow anything, close the open
// menus when their content is used or Escape is pressed, and make tables that
// scroll sideways reachable by keyboard. Everything works without it.
// The `js` class on <html> says the script runs: CSS hides what only
// matters without it (the pipeline cards' stage selectors until focused).
document.documentElement.classList.add("js");

document.addEventListener("htmx:configRequest", (event) => {
  // <input data-min-chars="2">: one letter would make the full-text index read
  // most of its entries, so typing waits for a second one (an empty box still
  // asks, to show the whole list again; the Search button always submits).
  const elt = event.detail.elt;
  const min = elt && elt.dataset ? Number(elt.dataset.minChars || 0) : 0;
  if (min > 0) {
    const length = elt.value.trim().length;
    if (length > 0 && length < min) {
      event.preventDefault();
      return;
    }
  }
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.usermenu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.usermenu[open], details.navmenu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
});

// A table (or the pipeline board) wider than its box scrolls inside it: give
// the box a tab stop and a name so keyboard users can scroll it too, and say
// that it scrolls (CSS shows the hint for [data-scrolls]).
function markScrollingTables() {
  document.querySelectorAll(".table-wrap, .board-columns").forEach((wrap) => {
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    if (scrolls && !wrap.hasAttribute("data-scrolls")) {
      const table = wrap.querySelector("table");
      const caption = table && table.caption ? table.caption.textContent.trim() : "";
      const labelled = table ? table.getAttribute("aria-label") : wrap.dataset.name;
      const section = wrap.closest("section, main");
      const heading = section && section.querySelector("h1, h2");
      const name = caption || labelled || (heading ? heading.textContent.trim() : "Table");
      wrap.setAttribute("data-scrolls", "");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", name + " (scrolls sideways)");
    } else if (!scrolls && wrap.hasAttribute("data-scrolls")) {
      ["data-scrolls", "tabindex", "role", "aria-label"].forEach((a) => wrap.removeAttribute(a));
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);
window.addEventListener("resize", markScrollingTables);

// A browser's date box sends "" for a date that does not exist (30 February),
// so the server would only see a missing date. On submit, a date input whose
// validity.badInput is set gets the server's error markup next to it
// (<p class="error" id="FIELD-error">, aria-invalid, aria-describedby) and the
// submit is stopped, with the focus on the first such field.
const NO_SUCH_DATE = "That date does not exist.";
function markBadDate(input) {
  const errorId = input.id + "-error";
  let error = document.getElementById(errorId);
  if (!error) {
    error = document.createElement("p");
    error.className = "error";
    error.id = errorId;
    const box = input.closest(".field") || input.parentNode;
    const hint = box.querySelector(".hint");
    box.insertBefore(error, hint ? hint.nextSibling : input.nextSibling);
  }
  error.textContent = NO_SUCH_DATE;
  const box = input.closest(".field");
  if (box) box.classList.add("has-error");
  input.setAttribute("aria-invalid", "true");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(errorId)) described.push(errorId);
  input.setAttribute("aria-describedby", described.join(" "));
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.submitter && event.submitter.hasAttribute("formnovalidate")) return;
  const bad = Array.from(form.querySelectorAll('input[type="date"]')).filter((i) => i.validity.badInput);
  if (!bad.length) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  bad.forEach(markBadDate);
  bad[0].focus();
}, true);
