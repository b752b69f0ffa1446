// The pipeline board: move a card by dragging it to another column (HTML5
// drag and drop). The drop fills in the card's own stage selector and submits
// its form, so the move takes the same path as a keyboard user's (choose the
// stage, press Move): htmx posts it and swaps the board, or without htmx the
// browser posts the form. Listeners sit on the document, so boards swapped
// in later need nothing more.
//
// After a move the board is swapped whole, which would drop focus to the
// start of the page: the answer's HX-Trigger names the moved card
// (pipeline:moved, fired before the swap), and once the new board has
// settled focus goes to that card's stage selector, ready for the next move.
//
// On a phone the board shows one stage at a time: its stage links are plain
// anchors (#stage-<id>) that work without this script; here they scroll the
// board sideways only (not the page), and the link of the stage in view is
// marked aria-current.
(() => {
  let dragged = null;
  let movedId = null;

  document.addEventListener("pipeline:moved", (event) => {
    movedId = event.detail && event.detail.id;
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (movedId === null) return;
    const select = document.getElementById(`move-${movedId}`);
    movedId = null;
    if (select) select.focus();
  });

  const columnOf = (node) => (node instanceof Element ? node.closest(".board-column") : null);
  const clearTargets = () => document.querySelectorAll(".board-column.is-target")
    .forEach((column) => column.classList.remove("is-target"));

  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element ? event.target.closest(".board-card[draggable=true]") : null;
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.opportunity);
    card.classList.add("is-dragging");
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", (event) => {
    const column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-target")) {
      clearTargets();
      column.classList.add("is-target");
    }
  });

  document.addEventListener("drop", (event) => {
    const column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    clearTargets();
    const card = dragged;
    dragged = null;
    card.classList.remove("is-dragging");
    if (columnOf(card) === column) return;
    const form = card.querySelector("form.board-move");
    const select = form && form.querySelector("select[name=stage]");
    if (!select) return;
    select.value = column.dataset.stageId;
    card.classList.add("is-moving");
    form.requestSubmit();
  });

  const stageInView = (columns) => {
    let best = null;
    columns.querySelectorAll(".board-column").forEach((column) => {
      const distance = Math.abs(column.offsetLeft - columns.scrollLeft);
      if (best === null || distance < best.distance) best = {column, distance};
    });
    return best && best.column;
  };

  const markStage = () => {
    const board = document.getElementById("board");
    const columns = board && board.querySelector(".board-columns");
    const links = board ? board.querySelectorAll("[data-stage-link]") : [];
    if (!columns || !links.length) return;
    const column = stageInView(columns);
    links.forEach((link) => {
      if (column && link.dataset.stageLink === column.dataset.stageId) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  };

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("[data-stage-link]") : null;
    const column = link && document.querySelector(`.board-column[data-stage-id="${link.dataset.stageLink}"]`);
    if (!column) return;
    event.preventDefault();
    column.parentElement.scrollTo({left: column.offsetLeft});
    markStage();
  });

  let pending = 0;
  document.addEventListener("scroll", (event) => {
    if (!(event.target instanceof Element) || !event.target.classList.contains("board-columns")) return;
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(markStage);
  }, true);
  document.addEventListener("DOMContentLoaded", markStage);
  document.addEventListener("htmx:afterSettle", markStage);
})();
