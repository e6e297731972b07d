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
    // The duplicate check below needs the place as well as the words.
    document.dispatchEvent(new CustomEvent("shaobao:place"));
  }

  M.loadGrids().then(function (grids) {
    var layer = M.drawGrids(map, grids);
    if (grids.length && !marker) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    // A place sent back with the form (e.g. after an error) is shown again, unless the
    // phone's location or a tap arrived while the grids were loading.
    if (lat.value && lng.value && !marker) {
      setPlace(parseFloat(lat.value), parseFloat(lng.value), where.dataset.picked);
    }
    layer.on("click", function (e) { setPlace(e.latlng.lat, e.latlng.lng, where.dataset.mapPick); });
  }).catch(function () { where.textContent = where.dataset.gridsFailed; });

  map.on("click", function (e) { setPlace(e.latlng.lat, e.latlng.lng, where.dataset.mapPick); });

  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) { where.textContent = where.dataset.noGeolocation; return; }
    where.textContent = where.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPlace(pos.coords.latitude, pos.coords.longitude, where.dataset.mine);
      map.setView([pos.coords.latitude, pos.coords.longitude], 15);
    }, function () {
      where.textContent = where.dataset.geolocationFailed;
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();

/* Category suggestion: once the description is typed (pause or leaving the field), ask
   /api/v1/routing/suggest and offer the likely categories as buttons that select one. */
(function () {
  "use strict";
  var box = document.getElementById("suggest");
  var text = document.getElementById("id_description");
  var select = document.getElementById("id_item");
  if (!box || !text || !select || !window.fetch) { return; }
  var timer = null, asked = "", seq = 0;

  function hasOption(code) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === code; });
  }

  function show(suggestions) {
    box.textContent = "";
    var usable = suggestions.filter(function (s) { return s.item && hasOption(s.item); });
    if (!usable.length) { box.hidden = true; return; }
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = box.dataset.label;
    box.appendChild(p);
    usable.forEach(function (s) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary suggestion";
      b.dataset.item = s.item;
      b.setAttribute("aria-pressed", select.value === s.item ? "true" : "false");
      b.textContent = s.item_name + "（" + Math.round(s.confidence * 100) + "%）";
      if (s.terms && s.terms.length) { b.title = s.terms.join("、"); }
      b.addEventListener("click", function () {
        select.value = s.item;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (o) {
          o.setAttribute("aria-pressed", o === b ? "true" : "false");
        });
      });
      box.appendChild(b);
    });
    box.hidden = false;
  }

  function ask() {
    var value = text.value.trim();
    if (value.length < 4 || value === asked) { return; }
    asked = value;
    var mine = ++seq;
    fetch(box.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ text: value.slice(0, 4000) })
    }).then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (mine === seq) { show(data.suggestions || []); } })
      .catch(function () { box.hidden = true; });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 700);
  });
  text.addEventListener("blur", function () { clearTimeout(timer); ask(); });
  select.addEventListener("change", function () {
    Array.prototype.forEach.call(box.querySelectorAll("button"), function (o) {
      o.setAttribute("aria-pressed", o.dataset.item === select.value ? "true" : "false");
    });
  });
  if (text.value.trim()) { ask(); }
})();

/* Duplicate suggestion: with a place and some words, ask /api/v1/routing/similar (the
   resident's session, so the CSRF token goes along) and show nearby open cases that read
   alike, each with a button to follow it instead of reporting again. "仍要上报" only
   hides the hint; the form is submitted as usual. */
(function () {
  "use strict";
  var box = document.getElementById("similar");
  var text = document.getElementById("id_description");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!box || !text || !lat || !lng || !csrf || !window.fetch) { return; }
  var d = box.dataset, timer = null, asked = "", seq = 0, dismissed = false;

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrf.value },
      body: body === undefined ? "" : JSON.stringify(body)
    });
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content) { e.textContent = content; }
    return e;
  }

  function followed(number) {
    box.textContent = "";
    var p = el("p", "msg success", d.followed.replace("%s", number) + " ");
    var a = el("a", "", d.my);
    a.href = d.myUrl;
    p.appendChild(a);
    box.appendChild(p);
  }

  function follow(number, button) {
    button.disabled = true;
    post(d.followUrl.replace("CASENUMBER", encodeURIComponent(number)))
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } followed(number); })
      .catch(function () { button.disabled = false; box.appendChild(el("p", "field-error", d.failed)); });
  }

  function show(hits) {
    box.textContent = "";
    if (!hits.length || dismissed) { box.hidden = true; return; }
    box.appendChild(el("p", "similar-lead", d.lead + "："));
    var list = el("ul", "similar-list");
    hits.slice(0, 3).forEach(function (h) {
      var li = el("li", "similar-hit");
      li.appendChild(el("strong", "", h.number));
      li.appendChild(document.createTextNode("（" + h.item_name + "，" + h.status_label + "，" +
                                             d.about.replace("%s", h.distance_m) + "）"));
      if (h.excerpt) { li.appendChild(el("span", "muted", " " + h.excerpt)); }
      var b = el("button", "secondary follow", d.follow);
      b.type = "button";
      b.setAttribute("aria-label", d.followLabel.replace("%s", h.number));
      b.addEventListener("click", function () { follow(h.number, b); });
      li.appendChild(b);
      list.appendChild(li);
    });
    box.appendChild(list);
    var keep = el("button", "secondary keep", d.keep);
    keep.type = "button";
    keep.addEventListener("click", function () {
      dismissed = true;
      box.hidden = true;
      text.focus();
    });
    box.appendChild(keep);
    box.hidden = false;
  }

  function ask() {
    var value = text.value.trim();
    if (value.length < 4 || !lat.value || !lng.value) { return; }
    var key = value + "|" + lat.value + "|" + lng.value;
    if (key === asked) { return; }
    asked = key;
    var mine = ++seq;
    post(d.similarUrl, { text: value.slice(0, 4000), lat: parseFloat(lat.value),
                         lng: parseFloat(lng.value) })
      .then(function (r) { return r.ok ? r.json() : { similar: [] }; })
      .then(function (data) { if (mine === seq) { show(data.similar || []); } })
      .catch(function () { box.hidden = true; });
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 800); }
  text.addEventListener("input", later);
  text.addEventListener("blur", function () { clearTimeout(timer); ask(); });
  document.addEventListener("shaobao:place", later);
  later();
})();
