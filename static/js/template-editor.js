// The template editor (templates/macros/template_editor.html): each merge
// field's Insert button puts "{{ name }}" where the cursor is in the text
// area (at the end if the cursor was never put there), gives the focus back
// to the text, and fires "input" so the live preview follows. Without this
// script the buttons stay hidden and the fields are a list to copy from.
document.addEventListener("focusin", (event) => {
  const target = event.target;
  if (target instanceof HTMLTextAreaElement) target.dataset.cursorKnown = "1";
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-insert]");
  if (!button) return;
  const area = document.getElementById(button.dataset.target);
  if (!(area instanceof HTMLTextAreaElement)) return;
  const text = button.dataset.insert;
  const known = area.dataset.cursorKnown === "1";
  const start = known ? area.selectionStart : area.value.length;
  const end = known ? area.selectionEnd : area.value.length;
  area.setRangeText(text, start, end, "end");
  area.focus();
  area.dispatchEvent(new Event("input", { bubbles: true }));
  const status = document.getElementById(area.id + "-inserted");
  if (status) status.textContent = "Inserted " + text + ".";
});
