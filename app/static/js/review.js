// Keyboard shortcuts of the review queue (/review): j and k move between the proposed
// claims, a accepts the current one, r goes to its reason for rejecting (Enter submits),
// e opens it to edit before accepting. Keys typed into a field are left alone; Escape
// leaves the field for its claim. Without JavaScript the buttons do the same.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("article.proposal"));
  if (!items.length) {
    return;
  }
  var current = -1;

  function select(index) {
    if (index < 0 || index >= items.length) {
      return;
    }
    current = index;
    items.forEach(function (item, i) {
      item.classList.toggle("current", i === index);
    });
    items[index].focus();
    items[index].scrollIntoView({ block: "nearest" });
  }

  function owner(element) {
    return element && element.closest ? element.closest("article.proposal") : null;
  }

  var start = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (start && items.indexOf(start) >= 0) {
    select(items.indexOf(start));
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape" && owner(target)) {
        select(items.indexOf(owner(target)));
      }
      return;
    }
    var focused = owner(document.activeElement);
    if (focused) {
      current = items.indexOf(focused);
    }
    var item = items[current];
    switch (event.key) {
      case "j":
        select(current + 1);
        break;
      case "k":
        select(current <= 0 ? 0 : current - 1);
        break;
      case "a":
        if (!item) {
          return;
        }
        item.querySelector("form.accept").requestSubmit();
        break;
      case "r":
        if (!item) {
          return;
        }
        item.querySelector("form.reject input[name=reason]").focus();
        break;
      case "e":
        if (!item) {
          return;
        }
        window.location.assign(item.querySelector("a.edit").href);
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
