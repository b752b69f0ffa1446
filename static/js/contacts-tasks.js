// My tasks: a task marked done (or reopened) over HTMX swaps only its own
// row, which stays where it was so that Reopen is one click away. The group's
// counter then counts the rows still open in it, so it never disagrees with
// the list. Without JavaScript the page reloads and counts on the server.
(() => {
  const recount = () => {
    document.querySelectorAll(".task-group [data-open-count]").forEach((badge) => {
      const group = badge.closest(".task-group");
      const open = group.querySelectorAll(".task-row:not(.is-done)").length;
      badge.textContent = `${open}${badge.hasAttribute("data-more") ? "+" : ""}`;
      if (badge.dataset.tone) badge.classList.toggle(badge.dataset.tone, open > 0);
    });
    // Done shows the latest done tasks: those in its group and those just
    // marked done where they stood.
    document.querySelectorAll("[data-done-count]").forEach((count) => {
      count.textContent = document.querySelectorAll(".task-group .task-row.is-done").length;
    });
  };
  document.addEventListener("htmx:afterSettle", recount);
})();
