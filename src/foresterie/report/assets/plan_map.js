/* foresterie plan map: draws one day of a saved plan on a Leaflet map.
 *
 * Data come from an embedded JSON object (see maps.py, "map data"). Every string from the
 * scenario is escaped with esc() before it becomes HTML. No network access is needed except for
 * the background tiles.
 */
function foresteriePlanMap(map, D) {
  "use strict";
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39"];
  var SECTIONS = [t("men"), t("women"), t("families")];

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  /* messages come translated from the catalogue (maps.py, MAP_STRINGS), {name} filled from args */
  function t(msg, args) {
    var s = (D.t && D.t[msg]) || msg;
    return s.replace(/\{(\w+)\}/g, function (m, k) { return args && k in args ? args[k] : m; });
  }
  /* a counted message: the plural form the catalogue's rule gives n (maps.py, map_plurals;
     D.pl holds the form of n = 0..199, a larger n reads as 100 + n % 100) */
  function tn(key, n, args) {
    var forms = (D.tn && D.tn[key]) || [], pl = D.pl || [];
    var k = n < pl.length ? pl[n] : pl[100 + n % 100];
    var s = forms[k] || forms[forms.length - 1] || key;
    var all = {n: n};
    for (var a in args || {}) { all[a] = args[a]; }
    return s.replace(/\{(\w+)\}/g, function (m, x) { return x in all ? all[x] : m; });
  }
  function num1(x) { return x.toFixed(1).replace(".", D.decimal || "."); }
  function colour(vid) { return PALETTE[(D.vehicles[vid] || 0) % PALETTE.length]; }
  function farmLL(i) { return [D.farms[i].lat, D.farms[i].lon]; }
  function homeLL(i) { return [D.foresterie[i].lat, D.foresterie[i].lon]; }
  function pointLL(i) { return [D.points[i].lat, D.points[i].lon]; }
  function legPath(a, b, aLL, bLL) {
    var g = D.legs[a + ">" + b];
    return g ? g : [aLL, bLL];
  }

  /* ---- base map: offline ISTAT boundaries and names (shipped in the page), OSM tiles optional ---- */
  var bases = {};
  var base = L.layerGroup();
  if (D.basemap) {
    var B = D.basemap;
    var decode = function (a) {
      var out = [], lat = 0, lon = 0;
      for (var i = 0; i + 1 < a.length; i += 2) { lat += a[i]; lon += a[i + 1]; out.push([lat / B.scale, lon / B.scale]); }
      return out;
    };
    map.createPane("fsBase").style.zIndex = 250;
    map.createPane("fsBaseLabels").style.zIndex = 260;
    map.getPane("fsBaseLabels").style.pointerEvents = "none";
    var rend = L.canvas({pane: "fsBase", padding: 0.2});
    var flat = {renderer: rend, pane: "fsBase", interactive: false};
    L.polygon(B.land.map(function (p) { return p.map(decode); }),
              L.extend({color: "#6f94b3", weight: 1.2, fillColor: "#f7f4ec", fillOpacity: 1}, flat)).addTo(base);
    L.polyline(B.comuni.map(decode), L.extend({color: "#cdc6b6", weight: 0.7}, flat)).addTo(base);
    L.polyline(B.provinces.map(decode), L.extend({color: "#8a826f", weight: 1.6, dashArray: "6 3"}, flat)).addTo(base);
    var label = function (cls) {
      return function (l) {
        return L.marker([l[1], l[2]], {pane: "fsBaseLabels", interactive: false, keyboard: false,
          icon: L.divIcon({className: cls, html: "<span>" + esc(l[0]) + "</span>", iconSize: [0, 0]})});
      };
    };
    var provLabels = L.layerGroup(B.province_labels.map(label("fs-prov-label")));
    var comLabels = L.layerGroup(B.comune_labels.map(label("fs-com-label")));
    var placeLabels = function () {
      var z = map.getZoom();
      if (z >= 10) { base.removeLayer(provLabels); base.addLayer(comLabels); }
      else { base.removeLayer(comLabels); base.addLayer(provLabels); }
    };
    placeLabels();
    map.on("zoomend", placeLabels);
    base.addTo(map);
    bases[esc(t("Offline map (ISTAT)"))] = base;
    if (map.attributionControl) { map.attributionControl.addAttribution(esc(B.attribution)); }
  }
  bases[esc(t("OpenStreetMap (online)"))] = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    {maxZoom: 19, attribution: "&copy; OpenStreetMap contributors"});

  /* ---- layers: one per foresteria and direction, plus foresterie and farms ---- */
  var homes = L.layerGroup().addTo(map);
  var farms = L.layerGroup().addTo(map);
  var points = L.layerGroup().addTo(map);
  var homeIds = {};
  D.foresterie.forEach(function (f) { homeIds[f.id] = 1; });
  (D.points || []).forEach(function (p, i) {  // departure points: where workers without a bed board
    // a foresteria served from a depot: drawn as a foresteria where the map shows it
    if (p.foresteria && homeIds[p.id]) { return; }
    var head = "<b>" + esc(p.name) + "</b> (" + esc(p.id) + ")<br>" + esc(p.comune);
    if (p.depot) {  // where vehicles are kept, nobody boards: a square of its own, not a point
      L.marker(pointLL(i), {icon: L.divIcon({className: "fs-depot-mk", iconSize: [12, 12]}),
                            title: p.name, keyboard: false})
        .bindPopup(head + "<br>" + esc(t("vehicle depot"))).addTo(points);
      return;
    }
    L.circleMarker(pointLL(i), {radius: 6, color: "#6a1b9a", weight: 2, fillColor: "#ce93d8",
                                fillOpacity: 0.9, className: "fs-point-mk"})
      .bindPopup(head + (p.foresteria ? "" : "<br>" + esc(t("departure point: {kind}", {kind: p.kind}))))
      .addTo(points);
  });
  var hasDepot = (D.points || []).some(function (p) { return p.depot; });
  var routeLayers = {};
  var overlays = {};
  overlays[esc(t("Foresterie"))] = homes;
  overlays[esc(t("Farms"))] = farms;
  overlays[esc(t("Departure points"))] = points;
  D.foresterie.forEach(function (f, i) {
    ["to_farm", "to_foresteria"].forEach(function (dir) {
      var g = L.layerGroup().addTo(map);
      routeLayers[i + ":" + dir] = g;
      overlays["<span title='" + esc(f.name) + "'>" + esc(f.id) +
               " " + esc(dir === "to_farm" ? t("→ farms") : t("← back home")) + "</span>"] = g;
    });
  });
  // on a phone the expanded layer list and the legend would cover the map: both start folded
  var narrow = map.getSize().x < 600;
  L.control.layers(bases, overlays, {collapsed: narrow || D.foresterie.length > 4, position: "topright"}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);

  /* ---- fullscreen ---- */
  var Full = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var b = L.DomUtil.create("a", "fs-fullscreen leaflet-bar");
      b.href = "#"; b.title = t("Full screen"); b.setAttribute("role", "button"); b.innerHTML =
        "<svg width='16' height='16' viewBox='0 0 16 16' fill='none' stroke='#333' stroke-width='2'>" +
        "<path d='M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4'/></svg>";
      L.DomEvent.on(b, "click", function (e) {
        L.DomEvent.preventDefault(e);
        var c = map.getContainer();
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (c.requestFullscreen) { c.requestFullscreen(); }
      });
      return b;
    }
  });
  new Full().addTo(map);

  /* ---- legend ---- */
  var Legend = L.Control.extend({
    options: {position: narrow ? "topleft" : "bottomleft"},
    onAdd: function () {
      var d = L.DomUtil.create("div", "fs-legend");
      d.innerHTML =
        "<details" + (narrow ? "" : " open") + "><summary><b>" + esc(D.title) + "</b></summary>" +
        "<span class='fs-sym fs-home'></span> " + esc(t("foresteria (size: beds)")) + "<br>" +
        "<span class='fs-sym fs-farm'></span> " + esc(t("farm")) +
        " &nbsp;<span class='fs-sym fs-clu'>3</span> " + esc(t("farms grouped")) + "<br>" +
        "<span class='fs-sym fs-point'></span> " + esc(t("departure point (riders without a bed board here)")) + "<br>" +
        (hasDepot ? "<span class='fs-sym fs-depot'></span> " + esc(t("vehicle depot")) + "<br>" : "") +
        "<span class='fs-sym fs-unserved'></span> " + esc(t("farm with riders left unserved")) + "<br>" +
        "<span class='fs-sym fs-line'></span> " + esc(t("shuttle trip, one colour per vehicle")) + "; " +
        "&#x27A4; " + esc(t("direction, numbers = stop order")) + "<br>" +
        "<i>" + esc(D.geometry_note) + "</i>" +
        (D.basemap ? "<br><span class='fs-attr'>" + esc(D.basemap.attribution) + "</span>" : "") +
        "</details>";
      L.DomEvent.disableClickPropagation(d);
      return d;
    }
  });
  new Legend().addTo(map);

  /* ---- day selector and summary ---- */
  var current = null;
  var Picker = L.Control.extend({
    options: {position: "topright"},
    onAdd: function () {
      var d = L.DomUtil.create("div", "fs-picker");
      var prev = L.DomUtil.create("button", "fs-prev", d); prev.textContent = "◀"; prev.title = t("previous day");
      var sel = L.DomUtil.create("select", "fs-day", d);
      var next = L.DomUtil.create("button", "fs-next", d); next.textContent = "▶"; next.title = t("next day");
      var info = L.DomUtil.create("div", "fs-info", d);
      D.days.forEach(function (day, i) {
        var o = document.createElement("option"); o.value = day;
        o.textContent = (D.day_labels && D.day_labels[i]) || day; sel.appendChild(o);
      });
      if (D.days.length < 2) { prev.style.display = next.style.display = "none"; sel.disabled = true; }
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.on(sel, "change", function () { show(sel.value); });
      L.DomEvent.on(prev, "click", function () { if (sel.selectedIndex > 0) { sel.selectedIndex--; show(sel.value); } });
      L.DomEvent.on(next, "click", function () {
        if (sel.selectedIndex < D.days.length - 1) { sel.selectedIndex++; show(sel.value); }
      });
      this.sel = sel; this.info = info;
      return d;
    }
  });
  var picker = new Picker().addTo(map);

  /* ---- farms, grouped on a screen grid when they crowd ---- */
  function farmPopup(i, day) {
    var f = D.farms[i], x = day.farm[i] || [0, 0, ""];
    var h = "<b>" + esc(f.name) + "</b> (" + esc(f.id) + ")<br>" + esc(f.comune) +
      "<br>" + esc(t("crop: {crop}", {crop: f.crop})) + "<br>" + esc(t("shift: {shift}", {shift: f.shift})) +
      "<br>" + esc(t("riders on {day}: {n}", {day: current, n: x[0]}));
    if (x[1]) {
      h += "<br><b class='fs-warn'>" + esc(tn("unserved_farm", x[1])) + "</b> (" + esc(x[2]) + ")";
    }
    return h;
  }
  function drawFarms(day) {
    farms.clearLayers();
    var cell = map.getZoom() >= 12 ? 0 : 44, bins = {};
    D.farms.forEach(function (f, i) {
      var key = i;
      if (cell) {
        var p = map.project([f.lat, f.lon]);
        key = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell);
      }
      (bins[key] = bins[key] || []).push(i);
    });
    Object.keys(bins).sort().forEach(function (k) {
      var idx = bins[k];
      var bad = idx.some(function (i) { return day.farm[i] && day.farm[i][1]; });
      if (idx.length === 1) {
        var i = idx[0];
        L.circleMarker(farmLL(i), {radius: 5, color: bad ? "#c00" : "#2e7d32", weight: bad ? 3 : 1,
                                   fillColor: "#66bb6a", fillOpacity: 0.9, className: "fs-farm-mk"})
          .bindPopup(farmPopup(i, day)).addTo(farms);
      } else {
        var lat = 0, lon = 0;
        idx.forEach(function (i) { lat += D.farms[i].lat; lon += D.farms[i].lon; });
        var m = L.marker([lat / idx.length, lon / idx.length], {icon: L.divIcon({
          className: "", html: "<div class='fs-clu" + (bad ? " fs-clu-bad" : "") + "'>" + idx.length + "</div>",
          iconSize: [26, 26]})});
        m.on("click", function () {
          map.fitBounds(L.latLngBounds(idx.map(farmLL)).pad(0.3));
        });
        m.addTo(farms);
      }
    });
  }

  /* ---- one day ---- */
  function arrow(a, b, col) {
    var mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    var deg = Math.atan2(-(b[0] - a[0]), (b[1] - a[1]) * Math.cos(mid[0] * Math.PI / 180)) * 180 / Math.PI;
    return L.marker(mid, {interactive: false, icon: L.divIcon({className: "",
      html: "<div class='fs-arrow' style='color:" + col + ";transform:rotate(" + deg.toFixed(1) + "deg)'>&#x27A4;</div>",
      iconSize: [14, 14]})});
  }
  function show(dayKey) {
    current = dayKey;
    var day = D.day[dayKey] || {trips: [], occ: {}, farm: {}};
    Object.keys(routeLayers).forEach(function (k) { routeLayers[k].clearLayers(); });
    homes.clearLayers();
    D.foresterie.forEach(function (f, i) {
      if (f.depot) { return; }  // a depot base is drawn with the departure points
      var occ = day.occ[i] || [0, 0, 0];
      var rows = SECTIONS.map(function (s, j) {
        return "<tr><td>" + esc(s) + "</td><td>" + f.beds[j] + "</td><td>" + occ[j] + "</td></tr>";
      }).join("");
      L.circleMarker(homeLL(i), {radius: 7 + Math.sqrt(f.beds[0] + f.beds[1] + f.beds[2]) * 0.7,
                                 color: "#0d47a1", weight: 2, fillColor: "#42a5f5", fillOpacity: 0.8,
                                 className: "fs-home-mk"})
        .bindPopup("<b>" + esc(f.name) + "</b><br>" + esc(f.comune) +
                   "<table class='fs-tab'><tr><th>" + esc(t("section")) + "</th><th>" + esc(t("beds")) +
                   "</th><th>" + esc(t("guests {day}", {day: dayKey})) + "</th></tr>" + rows +
                   "</table>" + esc(t("accessible beds: {n}", {n: f.accessible})))
        .addTo(homes);
    });
    var vehicles = {};
    day.trips.forEach(function (tr) {
      // tr = [trip_id, vehicle_id, home, dir(0 to farm, 1 back), depart, return, km, riders, stops,
      //       departure point index or -1 (then home -> point -> farms -> point -> home); a point
      //       is a pickup or a foresteria served from a depot (D.points[i].foresteria)]
      var col = colour(tr[1]), home = tr[2], toFarm = tr[3] === 0, stops = tr[8];
      var layer = routeLayers[home + ":" + (toFarm ? "to_farm" : "to_foresteria")];
      vehicles[tr[1]] = 1;
      var ids = [D.foresterie[home].id].concat(stops.map(function (s) { return D.farms[s[0]].id; }));
      var lls = [homeLL(home)].concat(stops.map(function (s) { return farmLL(s[0]); }));
      if (tr[9] >= 0) {
        ids.splice(1, 0, D.points[tr[9]].id); lls.splice(1, 0, pointLL(tr[9]));
        ids.push(D.points[tr[9]].id); lls.push(pointLL(tr[9]));
      }
      ids.push(D.foresterie[home].id); lls.push(homeLL(home));
      var path = [];
      for (var k = 0; k + 1 < lls.length; k++) {
        var seg = legPath(ids[k], ids[k + 1], lls[k], lls[k + 1]);
        path = path.concat(k ? seg.slice(1) : seg);
        if (k + 1 < lls.length - 1 || !toFarm) {  // skip the arrow on the empty leg home
          arrow(seg[Math.floor((seg.length - 1) / 2)], seg[Math.floor((seg.length - 1) / 2) + 1], col).addTo(layer);
        }
      }
      var line = L.polyline(path, {color: col, weight: 4, opacity: 0.75, className: "fs-trip",
                                   dashArray: toFarm ? null : "8 6"});
      line.bindPopup("<b>" + esc(tr[0]) + "</b><br>" + esc(t("vehicle {v}", {v: tr[1]})) + "<br>" +
                     esc(toFarm ? t("to the farms")
                         : tr[9] >= 0 && !D.points[tr[9]].foresteria ? t("back to the departure point")
                         : t("back to the foresteria")) + "<br>" +
                     esc(t("leaves {depart}, back {back}", {depart: tr[4], back: tr[5]})) + "<br>" +
                     esc(tn("riders", tr[7], {km: num1(tr[6])})));
      line.addTo(layer);
      stops.forEach(function (s) {
        // s = [farm, seq, arrive, depart, board, alight]
        var f = D.farms[s[0]];
        L.marker(farmLL(s[0]), {icon: L.divIcon({className: "", iconSize: [18, 18],
            html: "<div class='fs-stop' style='border-color:" + col + "' data-trip='" + esc(tr[0]) +
                  "'>" + s[1] + "</div>"})})
          .bindPopup("<b>" + esc(f.name) + "</b> (" + esc(f.id) + ")<br>" +
                     esc(t("trip {trip}, stop {n}", {trip: tr[0], n: s[1]})) + "<br><span class='fs-time'>" +
                     esc(t("arrives {arrive}, leaves {depart}", {arrive: s[2], depart: s[3]})) +
                     "</span><br>" + esc(t("boarding {on}, alighting {off}", {on: s[4], off: s[5]})))
          .addTo(layer);
      });
    });
    drawFarms(day);
    var unserved = Object.keys(day.farm).reduce(function (n, k) { return n + day.farm[k][1]; }, 0);
    picker.info.textContent = [tn("trips", day.trips.length),
      tn("vehicles", Object.keys(vehicles).length), tn("unserved_day", unserved)].join(" · ");
    picker.sel.value = dayKey;
    map.getContainer().setAttribute("data-day", dayKey);
  }
  map.on("zoomend", function () { if (current !== null) { drawFarms(D.day[current] || {farm: {}}); } });

  var start = decodeURIComponent((location.hash || "").slice(1));
  show(D.day[start] ? start : D.start_day);
  window.foresterieShow = show;  // for the browser tests
  window.foresterieMap = map;
}
