// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // A filter select submits its form as soon as it changes.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // A form is sent once: its buttons are disabled while the next page loads.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button")) {
        setTimeout(() => { button.disabled = true; }, 0);
      }
    });
  }
});
