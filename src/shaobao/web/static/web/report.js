/* Resident report page: pick the place by tapping the map or from the phone's location. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var where = document.getElementById("where");
  var M = window.ShaobaoMaps;
  var map = M.makeMap(el);
  var marker = null;

  function setPlace(la, ln, how) {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (marker) { marker.setLatLng([la, ln]); }
    else {
      marker = L.circleMarker([la, ln], { radius: 9, color: "#b71c1c", weight: 3,
                                          fillColor: "#ef5350", fillOpacity: 0.9 }).addTo(map);
    }
    where.textContent = how + "：" + lat.value + ", " + lng.value;
  }

  M.loadGrids().then(function (grids) {
    var layer = M.drawGrids(map, grids);
    if (grids.length && !marker) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    if (lat.value && lng.value) { setPlace(parseFloat(lat.value), parseFloat(lng.value), where.dataset.picked || "已选位置"); }
    layer.on("click", function (e) { setPlace(e.latlng.lat, e.latlng.lng, "地图选点"); });
  }).catch(function () { where.textContent = "网格边界加载失败，仍可在地图上点选位置"; });

  map.on("click", function (e) { setPlace(e.latlng.lat, e.latlng.lng, "地图选点"); });

  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) { where.textContent = "此浏览器不支持定位，请在地图上点选"; return; }
    where.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPlace(pos.coords.latitude, pos.coords.longitude, "我的位置");
      map.setView([pos.coords.latitude, pos.coords.longitude], 15);
    }, function () {
      where.textContent = "无法获取位置，请在地图上点选";
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
