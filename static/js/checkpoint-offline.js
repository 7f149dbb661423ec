// The checkpoint page without a network (README, "Offline checks").
// - Registers the service worker that keeps the page and its files on the phone.
// - Keeps in IndexedDB: the public keys (/passes/keys.json), the revocation list (pass numbers revoked or
//   suspended, refreshed every few minutes while online, as changes since the version held), and every
//   check made offline, each with its own id, until the server has acknowledged it.
// - Verifies a token as the server does: ES256 signature with WebCrypto against the key its `kid` names
//   (any other alg refused), then the revocation list, then the validity dates against the phone's clock.
// - Uploads the queued checks in batches when the network returns; the server stores each id once.
// Exposes window.checkpointOffline for checkpoint.js (which asks the server first, and this when it cannot).
(function () {
  "use strict";

  var root = document.querySelector("[data-checkpoint]");
  var configElement = document.getElementById("checkpoint-offline");
  if (!root || !configElement) return;
  var config = JSON.parse(configElement.textContent);
  var texts = config.texts;
  var urls = {
    page: root.getAttribute("data-page-url"),
    sw: root.getAttribute("data-sw-url"),
    keys: root.getAttribute("data-keys-url"),
    revocations: root.getAttribute("data-revocations-url"),
    upload: root.getAttribute("data-upload-url"),
  };
  var statusBox = root.querySelector("[data-offline-status]");

  var DB_NAME = "kunshan-checkpoint";
  var CLOCK_TOLERANCE_MS = 10 * 60 * 1000; // a phone clock this far behind the server's is "wrong"
  var TIMEOUT_MS = 15000;

  function format(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return params[key]; });
  }

  // --- IndexedDB: three stores, in one small promise wrapper -----------------------------------------

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var database = request.result;
          database.createObjectStore("meta"); // "jwks", "list" (version and times), "refused" (a count)
          database.createObjectStore("blocked"); // pass number -> "revoked" | "suspended"
          database.createObjectStore("checks", { keyPath: "check_id" }); // offline checks awaiting upload
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  // Runs `work(transaction)` and resolves with what it put in `out.value` once the transaction committed.
  function transact(stores, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(stores, mode);
        var out = {};
        transaction.oncomplete = function () { resolve(out.value); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
        work(transaction, out);
      });
    });
  }

  function read(store, key) {
    return transact([store], "readonly", function (transaction, out) {
      var request = transaction.objectStore(store).get(key);
      request.onsuccess = function () { out.value = request.result; };
    });
  }

  function write(store, value, key) {
    return transact([store], "readwrite", function (transaction) {
      if (key === undefined) transaction.objectStore(store).put(value);
      else transaction.objectStore(store).put(value, key);
    });
  }

  function pendingCount() {
    return transact(["checks"], "readonly", function (transaction, out) {
      var request = transaction.objectStore("checks").count();
      request.onsuccess = function () { out.value = request.result; };
    });
  }

  // --- the token --------------------------------------------------------------------------------------

  function base64urlBytes(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error("not base64url");
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function jsonOf(bytes) {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  }

  var importedKeys = {}; // kid -> Promise<CryptoKey>, for the JWK set held now

  function publicKey(jwk) {
    if (!importedKeys[jwk.kid]) {
      importedKeys[jwk.kid] = crypto.subtle.importKey(
        "jwk",
        { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
        { name: "ECDSA", namedCurve: "P-256" },
        false,
        ["verify"]
      );
    }
    return importedKeys[jwk.kid];
  }

  // The claims of a token signed by a key of the set, or null (tampered, unknown key, other alg, garbage).
  // JWS ES256 signatures are R || S, 32 bytes each: the form WebCrypto's ECDSA verify takes.
  function verifySignature(token, jwks) {
    var parts = String(token).split(".");
    if (token.length > 2000 || parts.length !== 3) return Promise.resolve(null);
    var header, claims, signature;
    try {
      header = jsonOf(base64urlBytes(parts[0]));
      claims = jsonOf(base64urlBytes(parts[1]));
      signature = base64urlBytes(parts[2]);
    } catch (error) {
      return Promise.resolve(null);
    }
    if (!header || header.alg !== "ES256" || signature.length !== 64) return Promise.resolve(null);
    var jwk = ((jwks && jwks.keys) || []).filter(function (key) {
      return key.kid === header.kid && key.kty === "EC" && key.crv === "P-256" && (!key.alg || key.alg === "ES256");
    })[0];
    if (!jwk) return Promise.resolve(null);
    var signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
    return publicKey(jwk).then(function (key) {
      return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed);
    }).then(function (good) {
      return good && claims && typeof claims === "object" ? claims : null;
    }).catch(function () { return null; });
  }

  // Dates are compared as Kunshan calendar days, as the server does, from the phone's clock.
  var dayFormat = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  });
  var timeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function isDay(text) { return typeof text === "string" && /^\d{4}-\d{2}-\d{2}$/.test(text); }

  // The phone's clock looks wrong when it is behind what the server said at the last sync, or behind the
  // moment the pass was signed (a pass cannot be signed in the future).
  function clockLooksWrong(now, list, claims) {
    if (list && typeof list.skew === "number" && Math.abs(list.skew) > CLOCK_TOLERANCE_MS) return true;
    if (list && list.generatedAt && now < list.generatedAt - CLOCK_TOLERANCE_MS) return true;
    return !!(claims && typeof claims.iat === "number" && now < claims.iat * 1000 - CLOCK_TOLERANCE_MS);
  }

  function listIsStale(now, list) {
    return !list || now - list.syncedAt > config.staleHours * 3600 * 1000;
  }

  // The verdict for a token, as the server would give it: invalid signature first, then the revocation
  // list (a blocked pass reads revoked or suspended whatever its dates), then the dates.
  function judge(token) {
    return Promise.all([read("meta", "jwks"), read("meta", "list")]).then(function (held) {
      var list = held[1];
      return verifySignature(token, held[0]).then(function (claims) {
        var now = Date.now();
        var verdict = { status: "invalid", claims: null, stale: listIsStale(now, list), clockWrong: false, at: now };
        if (!claims || typeof claims.n !== "string" || !isDay(claims.vf) || !isDay(claims.vu)) return verdict;
        verdict.claims = claims;
        verdict.clockWrong = clockLooksWrong(now, list, claims);
        var today = dayFormat.format(new Date(now));
        var dated = today > claims.vu ? "expired" : today < claims.vf ? "invalid" : "valid";
        return read("blocked", claims.n).then(function (blocked) {
          verdict.status = blocked || dated;
          return verdict;
        });
      });
    });
  }

  // --- the verdict on screen: the markup of templates/passes/verify_result.html -------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function elsewhere(claims) {
    if (config.community === null || config.community === undefined) return false;
    if (typeof claims.ci === "number") return claims.ci !== config.community;
    return claims.c !== config.communityName; // a pass signed before the community id travelled in it
  }

  function render(verdict) {
    var tone = config.tones[verdict.status];
    // A good signature is not green when the list may miss a revocation, or the dates rest on a wrong clock.
    if (verdict.status === "valid" && (verdict.stale || verdict.clockWrong)) tone = "caution";
    var box = element("div", "verdict verdict-" + tone);
    box.setAttribute("data-testid", "verdict");
    box.setAttribute("data-status", verdict.status);
    box.setAttribute("data-offline", "true");
    box.appendChild(element("p", "verdict-label", config.labels[verdict.status]));
    var claims = verdict.claims;
    if (claims) {
      var details = element("dl", "verdict-details");
      var add = function (label, value, className) {
        details.appendChild(element("dt", "", label));
        var dd = element("dd", className || "", value);
        details.appendChild(dd);
        return dd;
      };
      add(texts.name, String(claims.nm || ""));
      add(texts.idLast4, claims.i4 ? String(claims.i4) : texts.idLast4Missing, "code").setAttribute("data-testid", "id-last4");
      var community = add(texts.community, String(claims.c || ""));
      if (elsewhere(claims)) {
        var note = element("span", "verdict-note", texts.elsewhere + (verdict.status === "valid" ? texts.noRefusal : ""));
        note.setAttribute("data-testid", "other-community");
        community.appendChild(note);
      }
      add(texts.validUntil, claims.vu);
      add(texts.number, claims.n, "code");
      box.appendChild(details);
    }
    if (verdict.status === "valid" && verdict.stale) {
      var stale = element("p", "verdict-warning", texts.staleList);
      stale.setAttribute("data-testid", "stale-list");
      box.appendChild(stale);
    }
    if (verdict.clockWrong) {
      var clock = element("p", "verdict-warning", texts.clockWrong);
      clock.setAttribute("data-testid", "clock-wrong");
      box.appendChild(clock);
    }
    box.appendChild(element("p", "verdict-time",
      texts.checkedAt + " " + timeFormat.format(new Date(verdict.at)) + " · " + texts.offlineCheck));
    return box;
  }

  // --- the queue of offline checks ------------------------------------------------------------------

  function record(verdict) {
    var check = {
      check_id: crypto.randomUUID(),
      at: verdict.at,
      result: verdict.status,
      pass_number: verdict.claims ? String(verdict.claims.n).slice(0, 16) : "",
      community: config.community,
      by: config.user,
      // The entrance chosen for the shift (static/js/entrance.js), as an online check records it.
      entrance: window.checkpointEntrance ? window.checkpointEntrance() || null : null,
    };
    return write("checks", check).then(function () {
      showStatus();
      if (navigator.onLine) upload();
    });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A page loaded from the cache may carry a CSRF token that a later sign-in replaced: fetch a fresh one.
  function freshCsrfToken() {
    return fetch(urls.page, { credentials: "same-origin" }).then(answered).then(function (response) {
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrfmiddlewaretoken]");
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (fresh && input) input.value = fresh.value;
    });
  }

  function answered(response) {
    // Redirected means signed out (the login page): not an answer.
    if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
    return response;
  }

  function timed(url, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    options = options || {};
    options.credentials = "same-origin";
    options.signal = controller.signal;
    return fetch(url, options).finally(function () { clearTimeout(timer); });
  }

  function sendBatch(checks, retried) {
    return timed(urls.upload, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ checks: checks }),
    }).then(function (response) {
      if (response.status === 403 && !retried) {
        return freshCsrfToken().then(function () { return sendBatch(checks, true); });
      }
      return answered(response).json();
    });
  }

  var uploading = null;

  // Batches of config.batchSize, oldest first, until the queue is empty. A check leaves the phone only
  // when the server answered for it (stored, or refused with a reason): a cut upload is simply resent.
  function upload() {
    if (uploading) return uploading;
    uploading = (function next() {
      return transact(["checks"], "readonly", function (transaction, out) {
        // This guard's checks only: another guard's (a shared phone) wait for that guard to sign in.
        out.value = [];
        var request = transaction.objectStore("checks").openCursor();
        request.onsuccess = function () {
          var cursor = request.result;
          if (!cursor || out.value.length >= config.batchSize) return;
          if (cursor.value.by === undefined || cursor.value.by === config.user) out.value.push(cursor.value);
          cursor.continue();
        };
      }).then(function (checks) {
        if (!checks.length) return null;
        return sendBatch(checks).then(function (answer) {
          var refused = answer.refused.map(function (item) { return item.check_id; });
          var done = answer.accepted.concat(refused);
          return transact(["checks", "meta"], "readwrite", function (transaction) {
            var store = transaction.objectStore("checks");
            done.forEach(function (id) { store.delete(id); });
            if (refused.length) {
              var meta = transaction.objectStore("meta");
              var count = meta.get("refused");
              count.onsuccess = function () { meta.put((count.result || 0) + refused.length, "refused"); };
            }
          }).then(function () {
            // Nothing acknowledged (a reply that names none of them) would loop: stop and retry later.
            return done.length && checks.length === config.batchSize ? next() : null;
          });
        });
      });
    })().catch(function () {
      // Offline again, or the server is busy: the checks stay queued for the next attempt.
    }).finally(function () {
      uploading = null;
      showStatus();
    });
    return uploading;
  }

  // --- keys and revocation list ----------------------------------------------------------------------

  function syncKeys() {
    return timed(urls.keys).then(answered).then(function (response) {
      return response.json();
    }).then(function (jwks) {
      importedKeys = {};
      return write("meta", jwks, "jwks");
    });
  }

  function syncList() {
    return read("meta", "list").then(function (held) {
      var url = urls.revocations + (held && held.version ? "?since=" + held.version : "");
      return timed(url, { headers: { Accept: "application/json" } }).then(answered).then(function (response) {
        return response.json();
      }).then(function (data) {
        var received = Date.now();
        return transact(["blocked", "meta"], "readwrite", function (transaction) {
          var blocked = transaction.objectStore("blocked");
          if (data.full) blocked.clear();
          data.revoked.forEach(function (number) { blocked.put("revoked", number); });
          data.suspended.forEach(function (number) { blocked.put("suspended", number); });
          data.cleared.forEach(function (number) { blocked.delete(number); });
          transaction.objectStore("meta").put({
            version: data.version,
            syncedAt: received,
            generatedAt: data.generated_at,
            skew: data.generated_at - received, // the server's clock minus the phone's, about
          }, "list");
        });
      });
    });
  }

  var syncing = null;

  function sync() {
    if (!navigator.onLine) {
      showStatus();
      return Promise.resolve();
    }
    if (!syncing) {
      syncing = Promise.all([syncKeys(), syncList()]).then(upload).catch(function () {
        // The server did not answer: what the phone holds stays in use, and its age shows on screen.
      }).finally(function () {
        syncing = null;
        showStatus();
      });
    }
    return syncing;
  }

  // --- the status line -------------------------------------------------------------------------------

  function age(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    return minutes < 120 ? format(texts.minutes, { n: minutes }) : format(texts.hours, { n: Math.floor(minutes / 60) });
  }

  function showStatus() {
    if (!statusBox) return Promise.resolve();
    return Promise.all([read("meta", "list"), pendingCount(), read("meta", "refused")]).then(function (held) {
      var list = held[0];
      var now = Date.now();
      var parts = [navigator.onLine ? texts.online : texts.offline];
      parts.push(list ? format(texts.listAge, { age: age(now - list.syncedAt) }) : texts.listNever);
      if (held[1]) parts.push(format(texts.pending, { n: held[1] }));
      if (held[2]) parts.push(format(texts.refused, { n: held[2] }));
      statusBox.textContent = parts.join(" · ");
      var stale = listIsStale(now, list);
      statusBox.classList.toggle("offline-status-stale", stale);
      statusBox.setAttribute("data-stale", stale ? "true" : "false");
      statusBox.setAttribute("data-pending", String(held[1]));
      statusBox.setAttribute("data-version", list ? String(list.version) : "");
    });
  }

  // --- public face, start-up ---------------------------------------------------------------------------

  // Verify and log a scanned token here on the phone; resolves with the verdict element and the check.
  function check(token) {
    return judge(token).then(function (verdict) {
      return record(verdict).then(function () { return { element: render(verdict), verdict: verdict }; });
    });
  }

  window.checkpointOffline = {
    check: check,
    sync: sync,
    upload: upload,
    // For measuring: the signature and list check alone, nothing logged.
    judge: judge,
    numberOffline: texts.numberOffline,
  };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(urls.sw, { scope: urls.page }).catch(function () {
      // No service worker (a private window, an old browser): the page still works while online.
    });
  }
  window.addEventListener("online", sync);
  window.addEventListener("offline", showStatus);
  setInterval(sync, config.refreshMinutes * 60 * 1000);
  setInterval(showStatus, 60 * 1000);
  sync();
})();
