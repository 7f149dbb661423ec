// Dashboards: draws each [data-chart] from its JSON endpoint with ECharts, sorts the ranking table,
// and on the big screen refreshes figures and charts every [data-refresh] seconds and runs the clock.
// A file, not inline: the CSP allows no inline script or style.
(function () {
  "use strict";

  var screen = document.body.classList.contains("dash-screen");
  var charts = [];
  var HIGHLIGHT = "#dc3545";
  var RETRY_MS = 30000;

  function fontSize() {
    if (!screen) return window.innerWidth < 576 ? 11 : 12;
    return Math.max(14, Math.round(window.innerWidth / 110));
  }

  function optionFor(data) {
    var size = fontSize();
    var text = {fontSize: size};
    var option = {
      backgroundColor: "transparent",
      animation: !screen,
      aria: {enabled: true},
      // Rich text keeps the tooltip inside the canvas: HTML tooltips carry inline styles the CSP refuses.
      tooltip: {trigger: data.kind === "ranking" ? "item" : "axis", renderMode: "richText", confine: true,
                textStyle: text},
      legend: {type: "scroll", top: 0, textStyle: text},
      grid: {left: 8, right: 24, top: data.series.length > 1 ? 36 : 16, bottom: 8, containLabel: true},
      textStyle: text
    };
    var suffix = data.unit === "%" ? "{value}%" : "{value}";
    if (data.kind === "ranking") {
      option.legend = {show: false};
      option.yAxis = {type: "category", data: data.x, inverse: true, axisLabel: text};
      option.xAxis = {type: "value", min: 0, max: 100, axisLabel: {formatter: suffix, fontSize: size}};
      option.series = [{
        type: "bar", name: data.series[0].name,
        data: data.series[0].data.map(function (value, index) {
          return data.highlight.indexOf(index) >= 0 ? {value: value, itemStyle: {color: HIGHLIGHT}} : value;
        }),
        label: {show: true, position: "right", formatter: "{c}%", fontSize: size}
      }];
      return option;
    }
    option.xAxis = {type: "category", data: data.x, axisLabel: {fontSize: size, hideOverlap: true}};
    option.yAxis = {type: "value", axisLabel: {formatter: suffix, fontSize: size}, minInterval: data.unit ? 0 : 1};
    if (data.unit === "%") {
      // Rates on a fixed 0–100 % scale, so days and districts compare at a glance (capacity may pass 100 %).
      option.yAxis.min = 0;
      option.yAxis.max = function (extent) { return Math.max(100, Math.ceil(extent.max / 10) * 10); };
    }
    option.series = data.series.map(function (series) {
      var item = {type: data.kind, name: series.name, data: series.data, emphasis: {focus: "series"}};
      if (data.kind === "line") {
        item.showSymbol = false;
        item.connectNulls = false;
        item.lineStyle = {width: series.total ? 4 : 1.5};
        item.z = series.total ? 3 : 2;
      }
      if (data.stack) item.stack = "all";
      return item;
    });
    return option;
  }

  function showError(entry, failed) {
    var note = entry.el.parentNode.querySelector(".dash-chart-error");
    if (note) note.hidden = !failed;
    entry.el.setAttribute("data-error", failed ? "true" : "false");
  }

  function load(entry) {
    return fetch(entry.el.getAttribute("data-src"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          // Signed out (the login page answered): reload, which shows the login form.
          window.location.reload();
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        entry.chart.setOption(optionFor(data), true);
        entry.el.setAttribute("data-rendered", "true");
        showError(entry, false);
      })
      .catch(function () {
        showError(entry, true);
        window.setTimeout(function () { load(entry); }, RETRY_MS);
      });
  }

  function initCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.init(el, screen ? "dark" : null, {renderer: "canvas", locale: "ZH"});
      var entry = {el: el, chart: chart};
      charts.push(entry);
      load(entry);
    });
  }

  function resizeAll() {
    charts.forEach(function (entry) { entry.chart.resize(); });
  }

  // --- The ranking table: sort by a rate, best first; the last place marked -------------------------
  function cellNumber(row, column) {
    var text = row.cells[column].getAttribute("data-value");
    return text === "" || text === null ? null : parseFloat(text);
  }

  function sortTable(table, column) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) { return row.cells.length > column; });
    rows.sort(function (a, b) {
      var x = cellNumber(a, column), y = cellNumber(b, column);
      if (x === null) return y === null ? 0 : 1;
      if (y === null) return -1;
      return y - x;
    });
    var lastRank = 0;
    rows.forEach(function (row) {
      body.appendChild(row);
      var rank = parseInt(row.cells[column].getAttribute("data-rank"), 10);
      if (!isNaN(rank)) lastRank = Math.max(lastRank, rank);
    });
    rows.forEach(function (row) {
      var rank = parseInt(row.cells[column].getAttribute("data-rank"), 10);
      row.classList.toggle("dash-last", lastRank > 1 && rank === lastRank);
    });
    table.querySelectorAll("thead th").forEach(function (th, index) {
      if (index === column) th.setAttribute("aria-sort", "descending");
      else th.removeAttribute("aria-sort");
    });
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("[data-sort-column]").forEach(function (button) {
      button.addEventListener("click", function () {
        sortTable(table, parseInt(button.getAttribute("data-sort-column"), 10));
      });
    });
  });

  // --- The big screen: refresh, clock, full screen ----------------------------------------------------
  function refreshFigures() {
    var source = document.body.getAttribute("data-figures-src");
    if (!source) return;
    fetch(source, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          window.location.reload();
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (document.body.getAttribute("data-day") && document.body.getAttribute("data-day") !== data.day) {
          window.location.reload();  // a new day: new countdown, new history
          return;
        }
        document.body.setAttribute("data-day", data.day);
        Object.keys(data.figures).forEach(function (key) {
          var figure = data.figures[key];
          var box = document.querySelector('[data-figure="' + key + '"]');
          if (!box) return;
          box.querySelector("[data-figure-value]").textContent = figure.shown;
          var change = box.querySelector("[data-figure-change]");
          change.textContent = figure.shown_change;
          change.className = "tone-" + (figure.tone || "none");
        });
        var updated = document.querySelector("[data-updated]");
        if (updated) updated.textContent = data.computed_at;
      })
      .catch(function () { /* the next refresh tries again */ });
  }

  // The wall shows the portal's time (Beijing time, as the data is stamped), whatever zone the browser is in.
  var clockFormat = null;
  function tick() {
    var clock = document.querySelector("[data-clock]");
    if (!clock) return;
    if (!clockFormat) {
      clockFormat = new Intl.DateTimeFormat("en-GB", {
        timeZone: clock.getAttribute("data-time-zone") || "Asia/Shanghai",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      });
    }
    clock.textContent = clockFormat.format(new Date());
  }

  var refresh = parseInt(document.body.getAttribute("data-refresh"), 10);
  if (refresh > 0) {
    refreshFigures();
    window.setInterval(function () {
      refreshFigures();
      charts.forEach(load);
    }, refresh * 1000);
    tick();
    window.setInterval(tick, 1000);
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-fullscreen]") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () { /* refused: stay windowed */ });
    }
  });

  window.addEventListener("resize", resizeAll);
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  initCharts();
})();
