/* Command-center screen: fetch the figures every 60 s and redraw tiles, lists, map and chart. */
(function () {
  "use strict";
  var URL_ = document.getElementById("command-js").getAttribute("data-url");
  var M = window.ShaobaoMaps;
  var mapEl = document.getElementById("command-map");
  var map = M.makeMap(mapEl);
  var markers = L.layerGroup().addTo(map);
  var canvas = L.canvas({ padding: 0.2 });  // thousands of dots draw faster on a canvas
  var chart = echarts.init(document.getElementById("trend-chart"), null, { renderer: "canvas" });
  var fitted = false;

  M.loadGrids().then(function (grids) {
    var layer = M.drawGrids(map, grids);
    if (grids.length && !fitted) { map.fitBounds(layer.getBounds()); fitted = true; }
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

  function render(fig) {
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
                 d.points + " 分 · " + d.cases + " 件");
    }, "样本不足（每个部门至少 3 件）");
    fillList("station-rank", fig.stations, function (s) {
      return row("/?all=1&community=" + encodeURIComponent(s.code), s.name,
                 pct(s.rate) + " · " + s.closed + " 件");
    }, "样本不足（至少 3 件）");
    fillList("overdue-list", fig.overdue, function (c) {
      var li = el("li");
      li.appendChild(el("a", { href: "/cases/" + encodeURIComponent(c.number) }, c.number));
      li.appendChild(document.createTextNode(" " + c.item + " · " + c.community + " · " + c.department + " "));
      li.appendChild(el("span", { "class": "muted" }, c.due));
      return li;
    }, "没有超期案件");
    fillList("hot-list", fig.hot_spots, function (h) {
      return row("/?all=1&community=" + encodeURIComponent(h.community) + "&item=" +
                 encodeURIComponent(h.item) + "&since=" + h.since,
                 h.community_name + " · " + h.item_name, h.count + " 件");
    }, "暂无数据");

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
      legend: { data: ["上报", "结案"], top: 4, textStyle: { color: "#1a1a1a" } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: t.dates.map(function (d) { return d.slice(5); }),
               axisLabel: { color: "#37474f" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#37474f" } },
      series: [
        { name: "上报", type: "line", data: t.reported, smooth: true, color: "#1565c0" },
        { name: "结案", type: "line", data: t.closed, smooth: true, color: "#2e7d32" }
      ]
    });
    chart.off("click");
    chart.on("click", function (e) {
      var day = t.dates[e.dataIndex];
      location.href = e.seriesName === "结案" ? "/?all=1&status=closed&closed_since=" + day
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
