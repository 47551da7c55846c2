// Syndikat dashboard: the little script the pages need (no build step, no inline scripts).
"use strict";

// Parts marked data-refresh="URL" reload their content from URL every data-refresh-seconds.
function refreshPart(part) {
  const seconds = Number(part.dataset.refreshSeconds || 10);
  const again = () => setTimeout(() => refreshPart(part), seconds * 1000);
  fetch(part.dataset.refresh, {
    headers: { "X-Dashboard-Fragment": "1" },
    credentials: "same-origin",
  })
    .then((answer) => {
      if (answer.status === 401) {
        window.location.reload(); // signed out: the page itself leads to the login
        return;
      }
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      return answer.text().then((html) => {
        if (!busy(part)) replaceKeeping(part, html); // someone typing: next round
        part.classList.remove("stale");
        again();
      });
    })
    .catch(() => {
      part.classList.add("stale"); // keep the last numbers, marked as old
      again();
    });
}

// Someone is typing into (or choosing in) the part: replacing it would lose that.
function busy(part) {
  const focused = document.activeElement;
  return part.contains(focused) && focused.matches("input:not([type=checkbox]), select, textarea");
}

// Replace the part's content, keeping what was ticked or typed into its inputs with an id.
function replaceKeeping(part, html) {
  const kept = new Map();
  part.querySelectorAll("input[id]").forEach((input) => {
    kept.set(input.id, input.type === "checkbox" ? input.checked : input.value);
  });
  part.innerHTML = html;
  kept.forEach((value, id) => {
    const input = document.getElementById(id);
    if (!input || !part.contains(input)) return;
    if (input.type === "checkbox") input.checked = value;
    else input.value = value;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach((part) => {
    const seconds = Number(part.dataset.refreshSeconds || 10);
    setTimeout(() => refreshPart(part), seconds * 1000);
  });
});

// Forms marked data-confirm="question" ask before they are sent.
// A button's own data-confirm wins over its form's (one form, two actions).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question =
    (button && button.dataset.confirm) || (event.target.dataset && event.target.dataset.confirm);
  if (question && !window.confirm(question)) event.preventDefault();
});

// The menu button (narrow screens) opens and closes the navigation.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest && event.target.closest("#menu-toggle");
  if (!toggle) return;
  const header = toggle.closest(".top");
  const open = header.classList.toggle("open");
  toggle.setAttribute("aria-expanded", String(open));
});

// "Select every row" in a list with checkboxes (the publish queue).
document.addEventListener("change", (event) => {
  if (event.target.id !== "pick-all") return;
  const table = event.target.closest("table");
  table.querySelectorAll("input[type=checkbox][name=ids]").forEach((box) => {
    box.checked = event.target.checked;
  });
});
