// Irreversible steps ask first: a form marked data-confirm="question" is submitted only when the
// person confirms (templates mark approve, revoke, terminate, decide, publish, remove ...). The
// site's CSP allows scripts from 'self' only, so this file is the whole of it; without scripts
// the form submits as before and the server's checks still apply.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
    return;
  }
  if (!window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A form refused before its page could answer it (error.html): going back in history returns to
// the form as it was typed, which a plain link to the page would not.
document.addEventListener("click", function (event) {
  var link = event.target instanceof Element ? event.target.closest("a[data-history-back]") : null;
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
