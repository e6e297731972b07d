/* Shared map helpers: Leaflet maps over our own grid polygons, base tiles only if configured. */
(function () {
  "use strict";
  var COLORS = { green: "#2e7d32", yellow: "#b26a00", red: "#c62828" };
  var gridCache = {};

  function makeMap(el, options) {
    var map = L.map(el, Object.assign({ zoomControl: true, attributionControl: false },
                                      options || {}));
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    }
    map.setView([30.53, 117.06], 12);
    return map;
  }

  function loadGrids(query) {
    var url = "/api/v1/grids?geometry=true" + (query ? "&" + query : "");
    if (!gridCache[url]) {
      gridCache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("grids " + r.status); }
        return r.json();
      });
    }
    return gridCache[url];
  }

  function drawGrids(map, grids, highlight) {
    var features = grids.map(function (g) {
      return { type: "Feature", geometry: g.geometry,
               properties: { code: g.code, name: g.name } };
    });
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        var on = highlight && f.properties.code === highlight;
        return { color: on ? "#0d47a1" : "#546e7a", weight: on ? 2.5 : 1,
                 fillColor: on ? "#90caf9" : "#eceff1", fillOpacity: on ? 0.45 : 0.35 };
      },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); }
    }).addTo(map);
    return layer;
  }

  window.ShaobaoMaps = { makeMap: makeMap, loadGrids: loadGrids, drawGrids: drawGrids,
                         COLORS: COLORS };
})();
