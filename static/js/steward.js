// Steward's only script: send the CSRF token with every HTMX request, hold back
// as-you-type searches that are too short to narrow anything, and close the
// open menus when their content is used. Everything works without it.
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
