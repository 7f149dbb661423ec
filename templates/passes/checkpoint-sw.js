{% load static %}// The checkpoint page's service worker (served at {% url 'passes:check_sw' %}, scope {% url 'passes:check' %}).
// Its one job: the page and its files load with no network. The page is fetched from the network when it
// answers (a fresh CSRF token, a signed-out user sent to the login page), from the cache when it does not;
// the static files, whose names change with their content, come from the cache. Verifying, the revocation
// list and the queued checks are the page's business (static/js/checkpoint-offline.js, IndexedDB).
"use strict";

var PAGE = "{% url 'passes:check' %}";
var ASSETS = [
  "{% static 'vendor/bootstrap-5.3.8/bootstrap.min.css' %}",
  "{% static 'vendor/bootstrap-5.3.8/bootstrap.bundle.min.js' %}",
  "{% static 'vendor/htmx-2.0.11/htmx.min.js' %}",
  "{% static 'vendor/jsqr-1.4.0/jsQR.js' %}",
  "{% static 'css/portal.css' %}",
  "{% static 'css/checkpoint.css' %}",
  "{% static 'js/portal.js' %}",
  "{% static 'js/checkpoint.js' %}",
  "{% static 'js/checkpoint-offline.js' %}",
  "{% static 'favicon.svg' %}",
  "{% static 'icons/checkpoint-192.png' %}",
  "{% url 'passes:check_manifest' %}"
];
// Named after the assets' (hashed) names: a deploy that changes a file makes a new cache and drops the old.
var CACHE = "checkpoint-" + ASSETS.join("|").length + "-" + ASSETS.reduce(function (h, s) {
  for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}, 7);

function cachePage(cache, response) {
  // A signed-out visit ends on the login page: never keep that as the checkpoint page.
  if (response.ok && !response.redirected) return cache.put(PAGE, response.clone());
  return Promise.resolve();
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(ASSETS).then(function () {
        return fetch(PAGE, { credentials: "same-origin" }).then(function (response) {
          return cachePage(cache, response);
        });
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("checkpoint-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(
      fetch(request).then(function (response) {
        return caches.open(CACHE).then(function (cache) {
          return cachePage(cache, response).then(function () { return response; });
        });
      }).catch(function () {
        return caches.match(PAGE).then(function (cached) {
          return cached || Response.error();
        });
      })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(url.pathname).then(function (cached) {
        return cached || fetch(request);
      })
    );
  }
});
