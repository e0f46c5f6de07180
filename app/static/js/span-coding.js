// Select a span, get a claim: on a source's page and in the review queue, selecting text
// of a source (with the mouse, or the keyboard with caret browsing) shows "Code this claim";
// it, or the key c, opens the claim form filled in from the extractor's reading of the
// selection (/claims/new?source_id=&start=&end=). The offsets are into the stored text:
// each run of text the page shows carries its own (data-start), inside an element that
// names the source (data-code-source) and the page to come back to (data-code-next).
(function () {
  "use strict";
  var sources = Array.prototype.slice.call(document.querySelectorAll("[data-code-source]"));
  var main = document.querySelector("main");
  if (!sources.length || !main) {
    return;
  }

  var bar = document.createElement("div");
  bar.className = "span-coder";
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "Code the selected text");
  bar.hidden = true;
  var quote = document.createElement("p");
  quote.className = "span-coder-quote";
  var link = document.createElement("a");
  link.className = "button";
  link.id = "code-selection";
  link.textContent = "Code this claim";
  var hint = document.createElement("span");
  hint.className = "muted";
  hint.appendChild(document.createTextNode(" or press "));
  var key = document.createElement("kbd");
  key.textContent = "c";
  hint.appendChild(key);
  bar.appendChild(quote);
  bar.appendChild(link);
  bar.appendChild(hint);
  main.appendChild(bar);

  // The text nodes of a run that are the source's own text: not the claim numbers after
  // a marked passage, nor what is only shown (an ellipsis).
  function textNodes(run) {
    var walker = document.createTreeWalker(run, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentElement.closest(".claim-refs, [aria-hidden='true']")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    while (walker.nextNode()) {
      nodes.push(walker.currentNode);
    }
    return nodes;
  }

  // The offset in the stored text of a point (node, offset) inside a run.
  function offsetIn(run, node, offset) {
    var upTo = document.createRange();
    upTo.setStart(run, 0);
    upTo.setEnd(node, offset);
    var count = 0;
    textNodes(run).forEach(function (text) {
      if (text === node) {
        count += offset;
      } else if (upTo.intersectsNode(text)) {
        count += text.length;
      }
    });
    return Number(run.dataset.start) + count;
  }

  function runLength(run) {
    return textNodes(run).reduce(function (sum, text) {
      return sum + text.length;
    }, 0);
  }

  // The selection as {source, start, end, next}, or null when it holds no source text.
  function selected() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    var range = selection.getRangeAt(0);
    var source = null;
    for (var i = 0; i < sources.length && !source; i++) {
      if (range.intersectsNode(sources[i])) {
        source = sources[i];
      }
    }
    if (!source) {
      return null;
    }
    var start = Infinity;
    var end = -Infinity;
    var runs = source.matches("[data-start]") ? [source] : source.querySelectorAll("[data-start]");
    Array.prototype.forEach.call(runs, function (run) {
      if (!range.intersectsNode(run)) {
        return;
      }
      var first = Number(run.dataset.start);
      var s = run.contains(range.startContainer)
        ? offsetIn(run, range.startContainer, range.startOffset)
        : first;
      var e = run.contains(range.endContainer)
        ? offsetIn(run, range.endContainer, range.endOffset)
        : first + runLength(run);
      if (e > s) {
        start = Math.min(start, s);
        end = Math.max(end, e);
      }
    });
    if (!(end > start) || !range.toString().trim()) {
      return null;
    }
    return {
      source: source.dataset.codeSource,
      start: start,
      end: end,
      next: source.dataset.codeNext || "",
      text: range.toString().trim(),
    };
  }

  function formUrl(span) {
    var query = new URLSearchParams({
      source_id: span.source,
      start: String(span.start),
      end: String(span.end),
    });
    if (span.next) {
      query.set("next", span.next);
    }
    return "/claims/new?" + query.toString();
  }

  function update() {
    var span = selected();
    if (!span) {
      bar.hidden = true;
      return;
    }
    var words = span.text.replace(/\s+/g, " ");
    quote.textContent = "“" + (words.length > 90 ? words.slice(0, 89) + "…" : words) + "”";
    link.href = formUrl(span);
    bar.hidden = false;
  }

  document.addEventListener("selectionchange", update);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "c" || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    var span = selected();
    if (!span) {
      return;
    }
    event.preventDefault();
    window.location.assign(formUrl(span));
  });
})();
