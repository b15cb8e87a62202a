// The Legate console's one script, served by the node (no inline scripts: see the Content-Security-Policy).
// It only enhances server-rendered pages: confirmation of destructive forms, and a live decision feed.
'use strict';

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question !== undefined && !window.confirm(question)) event.preventDefault();
});
