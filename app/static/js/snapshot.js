// A snapshot's page: the "Copy" buttons copy the citation or the BibTeX beside them.
// Loaded as a file (the content security policy allows no inline script).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) {
    button.textContent = "Select the text to copy it";
    return;
  }
  const label = button.textContent;
  navigator.clipboard.writeText(source.textContent).then(
    () => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    },
    () => { button.textContent = "Select the text to copy it"; },
  );
});
