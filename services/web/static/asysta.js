// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // A double click sends a form once: the second submit of the same form is ignored.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
    });
    // Let a form be sent again if the browser keeps the page (back button).
    window.addEventListener("pageshow", function () { form.dataset.sent = ""; });
  }, true);

  // PESEL checked in the browser (the server checks it again): 11 digits, a valid date,
  // and the check digit with weights 1,3,7,9,1,3,7,9,1,3.
  function peselValid(v) {
    if (!/^\d{11}$/.test(v)) return false;
    var w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3], s = 0;
    for (var i = 0; i < 10; i++) s += w[i] * parseInt(v[i], 10);
    if ((10 - (s % 10)) % 10 !== parseInt(v[10], 10)) return false;
    var m = parseInt(v.slice(2, 4), 10), d = parseInt(v.slice(4, 6), 10);
    var month = m % 20;
    return month >= 1 && month <= 12 && d >= 1 && d <= 31;
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-pesel]")) return;
    var message = document.getElementById("e-" + input.name);
    var value = input.value.replace(/\s/g, "");
    var bad = value !== "" && !peselValid(value);
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    if (message) {
      message.textContent = bad ? input.dataset.pesel : "";
      message.closest(".field").classList.toggle("field-error", bad);
    }
  });

  // Focus the error summary so a screen reader announces it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
