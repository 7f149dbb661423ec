// The checkpoint phone page: scan a pass's QR code with the camera, or type its number.
// The browser's BarcodeDetector decodes where it exists; elsewhere the vendored jsQR, loaded on demand.
// Each decoded code is sent to the pass's verify URL, and the answer replaces the result box; when the
// server cannot answer (no network, or too slow), checkpoint-offline.js verifies it on the phone instead.
// A QR text typed into the number field (a handheld scanner types what it reads) is verified as a scan.
// Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  var root = document.querySelector("[data-checkpoint]");
  if (!root) return;

  var video = root.querySelector("[data-scanner-video]");
  var canvas = root.querySelector("[data-scanner-canvas]");
  var startButton = root.querySelector("[data-scanner-start]");
  var stopButton = root.querySelector("[data-scanner-stop]");
  var scanningHint = root.querySelector("[data-scanner-scanning]");
  var unavailable = root.querySelector("[data-scanner-unavailable]");
  var numberForm = root.querySelector("[data-number-form]");
  var verifyUrl = root.getAttribute("data-verify-url");

  var SCAN_INTERVAL_MS = 150; // about 7 decodes a second: quick, and light on a cheap phone's battery
  var SAME_CODE_PAUSE_MS = 4000; // a pass held still in front of the camera is checked once, not 7 times a second
  var MAX_SIDE = 640; // frames are scaled down before jsQR reads them

  var stream = null;
  var decode = null; // function (video) -> Promise<string|null>
  var timer = null;
  var lastCode = "";
  var lastCodeAt = 0;

  function show(element, visible) {
    if (element) element.hidden = !visible;
  }

  // The token inside a scanned text: our verify URL carries it after /verify/; a bare JWS is taken as is.
  function tokenOf(text) {
    var match = /\/verify\/([A-Za-z0-9_.\-]+)/.exec(text);
    if (match) return match[1];
    var cleaned = text.replace(/[^A-Za-z0-9_.\-]/g, "").slice(0, 2100);
    return cleaned || "-"; // a foreign code still gets an answer (INVALID) and a log line
  }

  var SERVER_TIMEOUT_MS = 4000; // a gate cannot wait longer: past this the phone answers by itself
  var resultBox = document.getElementById("check-result");

  function answered() {
    // A short buzz tells the guard an answer arrived without looking away from the queue.
    if (navigator.vibrate) navigator.vibrate(120);
  }

  function askServer(token) {
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, SERVER_TIMEOUT_MS);
    var url = verifyUrl.replace("TOKEN", encodeURIComponent(token));
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin", signal: controller.signal })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
        return response.text();
      }).finally(function () { window.clearTimeout(timer); });
  }

  function verify(text) {
    var now = Date.now();
    if (text === lastCode && now - lastCodeAt < SAME_CODE_PAUSE_MS) return;
    lastCode = text;
    lastCodeAt = now;
    var token = tokenOf(text);
    var offline = window.checkpointOffline;
    var ask = navigator.onLine || !offline ? askServer(token) : Promise.reject(new Error("offline"));
    ask.then(function (html) {
      resultBox.innerHTML = html; // the server's own rendering of verify_result.html
      answered();
    }).catch(function () {
      if (!offline) return;
      offline.check(token).then(function (result) {
        resultBox.replaceChildren(result.element);
        answered();
      });
    });
  }

  function looksLikeScan(text) {
    return /\/verify\//.test(text) || /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
  }

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) return resolve(window.jsQR);
      var script = document.createElement("script");
      script.src = root.getAttribute("data-jsqr-src");
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function jsQRDecoder(jsQR) {
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function (source) {
      var width = source.videoWidth;
      var height = source.videoHeight;
      if (!width || !height) return Promise.resolve(null);
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(code ? code.data : null);
    };
  }

  function makeDecoder() {
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) throw new Error("no qr_code");
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (source) {
          return detector.detect(source).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }).catch(function () {
        return loadJsQR().then(jsQRDecoder);
      });
    }
    return loadJsQR().then(jsQRDecoder);
  }

  function tick() {
    if (!stream) return;
    decode(video).then(function (text) {
      if (text) verify(text);
    }).catch(function () {
      // A frame that could not be read (camera still starting): try the next one.
    }).then(function () {
      if (stream) timer = window.setTimeout(tick, SCAN_INTERVAL_MS);
    });
  }

  function stop() {
    window.clearTimeout(timer);
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    video.srcObject = null;
    show(video, false);
    show(stopButton, false);
    show(scanningHint, false);
    show(startButton, true);
  }

  function start() {
    show(unavailable, false);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show(unavailable, true);
      return;
    }
    var decoderReady = decode ? Promise.resolve(decode) : makeDecoder();
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
      decoderReady,
    ]).then(function (results) {
      stream = results[0];
      decode = results[1];
      video.srcObject = stream;
      show(video, true);
      show(startButton, false);
      show(stopButton, true);
      show(scanningHint, true);
      return video.play();
    }).then(tick).catch(function () {
      stop();
      show(unavailable, true);
    });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  // The camera is released when the guard leaves the page or locks the phone.
  window.addEventListener("pagehide", stop);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) stop();
  });

  var numberInput = numberForm.querySelector("input[name=number]");

  function nextPass() {
    numberForm.reset();
    numberInput.focus();
  }

  // A scanned QR text in the field is verified like a camera scan (and offline too); a typed number goes
  // to the server through htmx.
  numberForm.addEventListener("htmx:confirm", function (event) {
    var text = numberInput.value.trim();
    if (!looksLikeScan(text)) return;
    event.preventDefault();
    lastCode = "";
    verify(text);
    nextPass();
  });

  // After a typed number is answered: empty the field and keep the keyboard up for the next pass.
  numberForm.addEventListener("htmx:afterRequest", nextPass);

  // A typed number needs the server (the token is not on the phone): said plainly when it is away.
  numberForm.addEventListener("htmx:sendError", function () {
    var offline = window.checkpointOffline;
    var box = document.createElement("div");
    box.className = "alert alert-warning mb-0";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "check-error");
    box.textContent = offline ? offline.numberOffline : "";
    resultBox.replaceChildren(box);
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "check-result") answered();
  });
})();
