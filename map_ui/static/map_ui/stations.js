/* Stations map: stations, points and posts (clustered), their service areas, county borders
 * coloured by province, and cross-province station links drawn as lines across the border. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = cg.S, $ = cg.$, h = cg.h;
  var KIND_COLORS = { station: "#b71c1c", point: "#1c7ed6", post: "#2f9e44", industry: "#ae3ec9", legislative: "#ae3ec9" };
  var PROVINCE_COLORS = ["#495057", "#1864ab", "#862e9c", "#2b8a3e", "#c92a2a", "#e67700"];

  function icon(kind) {
    var size = kind === "station" ? 18 : 14;
    return L.divIcon({
      className: "", iconSize: [size, size], iconAnchor: [size / 2, size / 2],
      html: h("div", { class: "station-icon", style: {
        width: size + "px", height: size + "px", background: KIND_COLORS[kind] || "#868e96",
      } }),
    });
  }

  function provinceColor(adcode) {
    var n = parseInt(String(adcode).slice(0, 2), 10) || 0;
    return PROVINCE_COLORS[n % PROVINCE_COLORS.length];
  }

  function rate(x) { return x === null || x === undefined ? "–" : cg.fmtPct(x * 100); }
  function orDash(x) { return x === null || x === undefined ? "–" : String(x); }

  /* A station's popup with its health (GET stations/{id}/health): exported for the dashboard. */
  function healthPopup(p, hl) {
    var o = hl.opinions || {};
    var rows = [
      [S.station, S["kind_" + hl.station.kind] || hl.station.kind],
      [S.address, hl.station.address || "–"],
      [S.dutyRule, hl.duty_rule || "–"],
      [S.nextDuty, hl.next_duty_date || "–"],
      [S.dutyDaysHeld, hl.duty_days.held + " / " + hl.duty_days.scheduled],
      [S.attendanceRate, rate(hl.attendance.rate)],
      [S.opinionsReceived, cg.fmtInt(o.received)],
      [S.hoursToForward, orDash(o.median_hours_to_forward)],
      [S.hoursToAnswer, orDash(o.median_hours_to_answer)],
      [S.satisfaction, orDash(o.satisfaction)],
      [S.activeDeputies, hl.active_deputies + " / " + hl.deputies],
      [S.sixHaves, hl.six_haves_met + " / 6"],
      [S.registersKept, hl.registers_kept + " / 6"],
    ];
    if (hl.inactive) { rows.push(["⚠", S.inactiveFlag]); }
    return cg.popup(hl.station.name || p.name, rows);
  }
  cg.healthPopup = healthPopup;

  function cadenceText(link) {
    return (link.compliance || []).map(function (c) {
      return (S["cadence_" + c.cadence] || c.cadence) + " " + S.cadenceLine
        .replace("%(met)s", c.met).replace("%(missed)s", c.missed).replace("%(streak)s", c.streak);
    }).join("；");
  }

  function loadLeague() {
    if (!document.getElementById("league")) { return; }
    cg.api(cg.url("league", { region: config.region.adcode })).then(function (lg) {
      cg.fill("league", (lg.results || []).slice(0, 30).map(function (r) {
        return h("li", { class: r.inactive ? "inactive" : "" }, [
          h("span", null, r.rank + ". " + r.station.name + (r.inactive ? " ⚠" : "")),
          h("span", { class: "muted" }, rate(r.attendance.rate) + " · " + r.active_deputies + "/" + r.deputies),
        ]);
      }));
    }).catch(function (err) { console.error(S.loadFailed, err); });
  }

  function loadCadence() {
    if (!document.getElementById("cadence")) { return; }
    cg.api(cg.url("stationLinks", {})).then(function (body) {
      cg.fill("cadence", (body.results || []).map(function (link) {
        return h("li", null, [
          h("a", { href: config.urls.linkPage.replace("{id}", link.id) },
            link.station_a.name + " ⇄ " + link.station_b.name),
          h("span", { class: "muted" }, cadenceText(link)),
        ]);
      }));
    }).catch(function (err) { console.error(S.loadFailed, err); });
  }

  cg.onMap(function (map) {
    loadLeague();
    loadCadence();
    var clusters = L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false });
    var areas = L.featureGroup();
    var links = L.featureGroup();
    var counties = cg.countyOutlines(map, {
      maxOverzoom: 5,  // the provincial border matters here more than crisp lines
      style: function (p) {
        return { fill: true, fillColor: provinceColor(p.adcode), fillOpacity: 0.06,
                 color: provinceColor(p.adcode), weight: 2, opacity: 0.85 };
      },
    });

    var region = config.region.adcode;
    cg.api(cg.url("stations", { region: region })).then(function (fc) {
      var counts = {};
      L.geoJSON(fc, {
        pointToLayer: function (f, latlng) { return L.marker(latlng, { icon: icon(f.properties.kind) }); },
        filter: function (f) { return f.geometry && f.geometry.type === "Point"; },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          counts[p.kind] = (counts[p.kind] || 0) + 1;
          layer.bindPopup(cg.popup(p.name, [
            [S.station, S["kind_" + p.kind] || p.kind], [S.deputies, cg.fmtInt(p.deputies)],
          ]));
          // The station's address, rule and health figures, fetched when its popup opens.
          layer.on("popupopen", function () {
            if (layer._healthLoaded) { return; }
            cg.api(cg.url("health", {}, { id: f.id || p.id })).then(function (hl) {
              layer._healthLoaded = true;
              layer.setPopupContent(healthPopup(p, hl));
            }).catch(function (err) { console.error(S.loadFailed, err); });
          });
          clusters.addLayer(layer);
          if (p.service_area) {
            areas.addLayer(L.geoJSON(p.service_area, {
              style: { color: KIND_COLORS[p.kind] || "#868e96", weight: 1, fillOpacity: 0.08, dashArray: "3 3" },
            }));
          }
        },
      });
      map.getContainer().dataset.stations = String(clusters.getLayers().length);
      cg.fill("kinds", Object.keys(counts).sort().map(function (k) {
        return h("li", null, [
          h("span", null, [h("i", { class: "pin", style: { background: KIND_COLORS[k] || "#868e96" } }), S["kind_" + k] || k]),
          h("b", null, cg.fmtInt(counts[k])),
        ]);
      }));
    }).catch(function (err) { console.error(S.loadFailed, err); });

    cg.api(cg.url("links", { region: region })).then(function (fc) {
      var ul = cg.fill("links", []);
      L.geoJSON(fc, {
        style: { color: "#ae3ec9", weight: 3, dashArray: "8 6", opacity: 0.9 },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          var a = p.station_a && (p.station_a.name || p.station_a);
          var b = p.station_b && (p.station_b.name || p.station_b);
          var list = p.cadences || [];
          if (typeof list === "string") {  // tolerate a JSON-encoded list
            try { list = JSON.parse(list); } catch (e) { list = [list]; }
          }
          var cadences = list.map(function (c) { return S["cadence_" + c] || c; }).join("、");
          layer.bindPopup(cg.popup(S.link, [
            ["A", a], ["B", b], [S.cadences, cadences], [S.agreementDate, p.agreement_date || ""],
          ]));
          links.addLayer(layer);
          // Both ends, so that the station across the border (not in this region) shows too.
          var ends = layer.getLatLngs();
          [[ends[0], a], [ends[ends.length - 1], b]].forEach(function (end) {
            links.addLayer(L.circleMarker(end[0], {
              radius: 7, color: "#ae3ec9", weight: 3, fillColor: "#ffffff", fillOpacity: 1,
            }).bindTooltip(h("span", null, end[1])));
          });
          ul.appendChild(h("li", {
            click: function () { map.fitBounds(layer.getBounds(), { padding: [40, 40] }); layer.openPopup(); },
          }, [h("span", null, (a || "") + " ⇄ " + (b || "")), h("span", { class: "muted" }, cadences)]));
        },
      });
      map.getContainer().dataset.links = String((fc.features || []).length);
      if (links.getLayers().length && config.region.bbox) {
        // Show both ends of every link: the region and the linked stations across the border.
        var b = config.region.bbox;
        var bounds = L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]).extend(links.getBounds());
        map.fitBounds(bounds, { padding: [40, 40], animate: false });
      }
    }).catch(function (err) { console.error(S.loadFailed, err); });

    areas.addTo(map); links.addTo(map); clusters.addTo(map);
    var overlays = {};
    overlays[S.layerCounties] = counties;
    overlays[S.layerServiceAreas] = areas;
    overlays[S.layerLinks] = links;
    overlays[S.layerStations] = clusters;
    L.control.layers(null, overlays, { collapsed: window.innerWidth < 800 }).addTo(map);
    $("live-status").hidden = true;
  });
})();
