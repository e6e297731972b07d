/* Command-center screen: fetch the figures every 60 s and redraw tiles, lists, map and chart. */
(function () {
  "use strict";
  var script = document.getElementById("command-js");
  var URL_ = script.getAttribute("data-url");
  // Every label comes translated from the template (data-* on the script tag).
  var T = script.dataset;
  function cases(n) { return T.cases.replace("%s", n); }
  var M = window.ShaobaoMaps;
  var mapEl = document.getElementById("command-map");
  var map = M.makeMap(mapEl);
  var markers = L.layerGroup().addTo(map);
  var canvas = L.canvas({ padding: 0.2 });  // thousands of dots draw faster on a canvas
  var chart = echarts.init(document.getElementById("trend-chart"), null, { renderer: "canvas" });
  var fitted = false;
  // Hot spots: one circle per (community, item) at the mean position of its cases, or at
  // the centre of the community's grids when none of its cases has coordinates.
  var hotLayer = L.layerGroup().addTo(map);
  var communityCentres = {};
  var lastFig = null;
  var layers = {};
  layers[T.layerOpen] = markers;
  layers[T.layerHot] = hotLayer;
  L.control.layers(null, layers, { collapsed: false }).addTo(map);

  M.loadGrids().then(function (grids) {
    var layer = M.drawGrids(map, grids);
    if (grids.length && !fitted) { map.fitBounds(layer.getBounds()); fitted = true; }
    var bounds = {};
    grids.forEach(function (g) {
      var b = L.geoJSON(g.geometry).getBounds();
      if (bounds[g.community]) { bounds[g.community].extend(b); } else { bounds[g.community] = b; }
    });
    Object.keys(bounds).forEach(function (c) { communityCentres[c] = bounds[c].getCenter(); });
    if (lastFig) { drawHotspots(lastFig.hot_spots || []); }
  }).catch(function (e) { console.warn("grids", e); });

  function pct(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "%"; }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function fillList(id, rows, render, empty) {
    var ol = document.getElementById(id);
    ol.textContent = "";
    if (!rows.length) { ol.appendChild(el("li", { "class": "muted" }, empty)); return; }
    rows.forEach(function (r) { ol.appendChild(render(r)); });
  }

  function row(href, text, extra) {
    var li = el("li");
    li.appendChild(el("a", { href: href }, text));
    li.appendChild(el("span", {}, extra));
    return li;
  }

  function examples(numbers) {
    var span = el("span", { "class": "examples" });
    (numbers || []).forEach(function (n) {
      span.appendChild(el("a", { href: "/cases/" + encodeURIComponent(n) }, n));
    });
    return span;
  }

  function drawHotspots(rows) {
    hotLayer.clearLayers();
    rows.forEach(function (h) {
      var at = h.lat !== null && h.lat !== undefined ? L.latLng(h.lat, h.lng)
                                                   : communityCentres[h.community];
      if (!at) { return; }
      // Area grows with the count: radius ∝ √count, so a 4× hot spot looks 4× as big.
      var c = L.circleMarker(at, { radius: 6 + 4 * Math.sqrt(h.count), weight: 2,
                                   color: "#6a1b9a", fillColor: "#ab47bc", fillOpacity: 0.35,
                                   className: "hot-circle" });
      var box = el("div");
      box.appendChild(el("strong", {}, h.community_name + " · " + h.item_name));
      box.appendChild(el("div", {}, cases(h.count) + " " + (h.arrow || "") +
                                     T.previous.replace("%s", cases(h.previous))));
      box.appendChild(examples(h.examples));
      c.bindPopup(box);
      c.bindTooltip(h.community_name + " · " + h.item_name + " " + cases(h.count));
      hotLayer.addLayer(c);
    });
  }

  function candidateRow(c) {
    var tr = el("tr");
    [c.community_name, c.item_name, String(c.count), T.months.replace("%s", c.months_recurring),
     String(c.unsatisfied)].forEach(function (t) { tr.appendChild(el("td", {}, t)); });
    var td = el("td", { "class": "examples" });
    td.appendChild(examples(c.examples));
    tr.appendChild(td);
    return tr;
  }

  function loadCandidates(month) {
    var box = document.getElementById("candidates");
    var body = document.getElementById("cand-rows");
    return fetch(box.getAttribute("data-url") + "?month=" + encodeURIComponent(month),
                 { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (res) {
        body.textContent = "";
        if (!res.ok) {
          var msg = (res.d.error && res.d.error.message) || T.loadFailed;
          body.appendChild(el("tr")).appendChild(el("td", { colspan: "6", "class": "muted" }, msg));
          return;
        }
        if (!res.d.rows.length) {
          body.appendChild(el("tr")).appendChild(
            el("td", { colspan: "6", "class": "muted" }, T.noCandidates));
          return;
        }
        res.d.rows.forEach(function (c) { body.appendChild(candidateRow(c)); });
      })
      .catch(function (e) { console.warn("candidates", e); });
  }

  var monthInput = document.getElementById("cand-month");
  if (monthInput) {
    monthInput.addEventListener("change", function () {
      if (monthInput.value) { loadCandidates(monthInput.value); }
    });
  }
  window.shaobaoLoadCandidates = loadCandidates;

  function render(fig) {
    lastFig = fig;
    document.getElementById("updated-at").textContent = fig.at;
    var k = fig.kpis;
    document.querySelectorAll("[data-kpi]").forEach(function (node) {
      var v = k[node.getAttribute("data-kpi")];
      node.textContent = node.hasAttribute("data-pct") ? pct(v) : String(v);
    });
    document.querySelectorAll("[data-kpi-link=closed]").forEach(function (a) {
      a.setAttribute("href", "/?all=1&status=closed&closed_since=" + k.month_start);
    });
    fillList("dept-rank", fig.departments, function (d) {
      return row("/?all=1&department=" + encodeURIComponent(d.code), d.name,
                 T.points.replace("%s", d.points) + " · " + cases(d.cases));
    }, T.noDepartments);
    fillList("station-rank", fig.stations, function (s) {
      return row("/?all=1&community=" + encodeURIComponent(s.code), s.name,
                 pct(s.rate) + " · " + cases(s.closed));
    }, T.noStations);
    fillList("overdue-list", fig.overdue, function (c) {
      var li = el("li");
      li.appendChild(el("a", { href: "/cases/" + encodeURIComponent(c.number) }, c.number));
      li.appendChild(document.createTextNode(" " + c.item + " · " + c.community + " · " + c.department + " "));
      li.appendChild(el("span", { "class": "muted" }, c.due));
      return li;
    }, T.noOverdue);
    if (fig.hot_spots && document.getElementById("hot-list")) {
      fillList("hot-list", fig.hot_spots.slice(0, 10), function (h) {
        var li = row("/?all=1&community=" + encodeURIComponent(h.community) + "&item=" +
                     encodeURIComponent(h.item) + "&since=" + h.since,
                     h.community_name + " · " + h.item_name, cases(h.count) + " ");
        li.lastChild.appendChild(el("span", { "class": "trend trend-" + h.trend,
                                              title: h.trend_title + "（" + cases(h.previous) + "）" },
                                    h.arrow));
        li.appendChild(examples(h.examples));
        return li;
      }, T.noHotSpots);
    }
    drawHotspots(fig.hot_spots || []);

    markers.clearLayers();
    (fig.map || []).forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lng], { renderer: canvas, radius: 5, weight: 1, color: "#263238",
                                               fillColor: M.COLORS[p.l] || M.COLORS.green,
                                               fillOpacity: 0.9 });
      var box = el("div");
      box.appendChild(el("a", { href: "/cases/" + encodeURIComponent(p.n) }, p.n));
      box.appendChild(el("div", {}, p.i + " · " + p.s));
      m.bindPopup(box);
      markers.addLayer(m);
    });

    var t = fig.trend;
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      legend: { data: [T.reported, T.closed], top: 4, textStyle: { color: "#1a1a1a" } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: t.dates.map(function (d) { return d.slice(5); }),
               axisLabel: { color: "#37474f" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#37474f" } },
      series: [
        { name: T.reported, type: "line", data: t.reported, smooth: true, color: "#1565c0" },
        { name: T.closed, type: "line", data: t.closed, smooth: true, color: "#2e7d32" }
      ]
    });
    chart.off("click");
    chart.on("click", function (e) {
      var day = t.dates[e.dataIndex];
      location.href = e.seriesIndex === 1 ? "/?all=1&status=closed&closed_since=" + day
                                          : "/?all=1&since=" + day;
    });
  }

  function refresh() {
    return fetch(URL_, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("data " + r.status); } return r.json(); })
      .then(function (fig) { render(fig); document.body.setAttribute("data-refreshed", fig.at); return fig; })
      .catch(function (e) { console.warn("refresh failed", e); });
  }

  window.shaobaoRefresh = refresh;
  window.addEventListener("resize", function () { chart.resize(); });
  refresh();
  setInterval(refresh, 60000);
})();
