/* Case page: the small map, whistle prefill from the whistle list, open the action in the URL hash. */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (el && window.ShaobaoMaps) {
    var M = window.ShaobaoMaps;
    var la = parseFloat(el.dataset.lat), ln = parseFloat(el.dataset.lng);
    var map = M.makeMap(el, { scrollWheelZoom: false });
    map.setView([la, ln], 15);
    var community = el.dataset.community;
    M.loadGrids(community ? "community=" + encodeURIComponent(community) : "").then(function (grids) {
      var layer = M.drawGrids(map, grids, el.dataset.grid);
      layer.eachLayer(function (l) {
        if (l.feature && l.feature.properties.code === el.dataset.grid) {
          map.fitBounds(l.getBounds(), { padding: [12, 12], maxZoom: 17 });
        }
      });
      L.circleMarker([la, ln], { radius: 8, color: "#b71c1c", weight: 3, fillColor: "#ef5350",
                                 fillOpacity: 0.9 }).addTo(map);
    }).catch(function () {});
  }

  var dataEl = document.getElementById("items-data");
  var items = dataEl ? JSON.parse(dataEl.textContent) : {};
  var itemSel = document.getElementById("id_whistle-item");
  var leadSel = document.getElementById("id_whistle-lead_department");
  var coSel = document.getElementById("id_whistle-co_departments");
  if (itemSel && leadSel) {
    itemSel.addEventListener("change", function () {
      var it = items[itemSel.value];
      if (!it) { return; }
      leadSel.value = it.lead;
      if (coSel) {
        Array.prototype.forEach.call(coSel.options, function (o) {
          o.selected = it.co.indexOf(o.value) >= 0;
        });
      }
    });
  }

  function openFromHash() {
    if (!location.hash) { return; }
    var d = document.getElementById(location.hash.slice(1));
    if (d && d.tagName === "DETAILS") { d.open = true; d.querySelector("summary").focus(); }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
})();
