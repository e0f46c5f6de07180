// The claim form by keyboard: Ctrl+Enter (or Cmd+Enter) saves from any field, Escape goes
// back without saving (where the form's Cancel link goes: the source's page or the review
// queue when the claim is coded from a selection). Enter in a one-line field saves, as in
// any form. Without JavaScript the buttons and links do the same.
(function () {
  "use strict";
  var form = document.querySelector("form.claim-form");
  if (!form) {
    return;
  }
  var cancel = form.querySelector("a.cancel");

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) {
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape" && cancel && !event.altKey && !event.ctrlKey) {
      event.preventDefault();
      window.location.assign(cancel.href);
    }
  });
})();
