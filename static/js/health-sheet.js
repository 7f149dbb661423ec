// The daily health sheet, fast from a keyboard: Enter in a temperature moves to the next worker's
// temperature instead of submitting, and a temperature typed without a time takes the current time.
(function () {
  "use strict";
  var form = document.querySelector("form[data-health-sheet]");
  if (!form) return;
  var temps = Array.prototype.slice.call(form.querySelectorAll("input.t-in"));

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  temps.forEach(function (input, i) {
    input.addEventListener("change", function () {
      var time = form.querySelector("[name='taken_at-" + input.name.split("-")[1] + "']");
      if (input.value && time && !time.value) {
        var now = new Date();
        time.value = pad(now.getHours()) + ":" + pad(now.getMinutes());
      }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      input.dispatchEvent(new Event("change"));
      var next = temps[i + 1];
      if (next) next.focus();
      else form.querySelector("button[type=submit]").focus();
    });
  });
})();
