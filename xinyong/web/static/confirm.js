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
