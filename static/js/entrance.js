// The entrance a guard chose for the shift. The choice form posts to the server, which sets a cookie; this
// script also keeps it in localStorage so that it survives a cleared cookie, and puts the cookie back from
// it on load. Other scripts (offline checks) read it with window.checkpointEntrance().
(function () {
  "use strict";
  var KEY = "kunshan.checkpoint.entrance";
  var form = document.querySelector("[data-entrance-choice]");
  var cookie = form ? form.getAttribute("data-cookie") : "checkpoint_entrance";

  function stored() {
    try { return window.localStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }
  function store(value) {
    try {
      if (value) window.localStorage.setItem(KEY, value); else window.localStorage.removeItem(KEY);
    } catch (e) { /* private mode: the cookie alone carries it */ }
  }
  function cookieValue() {
    var match = new RegExp("(?:^|; )" + cookie + "=([^;]*)").exec(document.cookie);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function setCookie(value) {
    document.cookie = cookie + "=" + encodeURIComponent(value) + "; path=/; max-age=" + (value ? 86400 : 0) + "; SameSite=Lax";
  }

  window.checkpointEntrance = function () { return cookieValue() || stored(); };

  if (!form) return;
  var select = form.querySelector("[data-entrance-select]");
  var current = cookieValue();
  if (!current && stored()) {
    var option = select.querySelector('option[value="' + stored() + '"]');
    if (option) { setCookie(stored()); select.value = stored(); current = stored(); }
  } else if (current) {
    store(current);
  }
  form.addEventListener("submit", function () { store(select.value); });

  // The server refused the entrance (closed since, or from another community): forget it and ask again.
  document.body.addEventListener("htmx:afterSwap", function () {
    if (document.querySelector("#check-result [data-entrance-refused]")) {
      store("");
      setCookie("");
      select.value = "";
      select.focus();
    }
  });
})();
