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
        part.innerHTML = html;
        part.classList.remove("stale");
        again();
      });
    })
    .catch(() => {
      part.classList.add("stale"); // keep the last numbers, marked as old
      again();
    });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach((part) => {
    const seconds = Number(part.dataset.refreshSeconds || 10);
    setTimeout(() => refreshPart(part), seconds * 1000);
  });
});

// Forms marked data-confirm="question" ask before they are sent.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
