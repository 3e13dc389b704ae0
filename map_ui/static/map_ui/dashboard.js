/* Leader dashboard: coverage cells (vector tiles), H3 heat, gaps, opinion clusters, region
 * stats with drill-down, and live updates from /ws/live/. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = cg.S, $ = cg.$, h = cg.h, setText = cg.setText;

  var HEAT_STEPS = [1, 3, 10, 30, 100, 300];
  var HEAT_COLORS = ["#fff3bf", "#ffd43b", "#fd7e14", "#f03e3e", "#c2255c", "#862e9c"];

  var state = {
    days: config.days,
    window: config.window || String(config.days),  // "year" (本年) or a rolling length
    region: config.region,       // the region shown (changes on drill-down)
    // breadcrumbs: from the top of the jurisdiction down to the region of the URL (a reload
    // keeps the township drilled into, and the way back up)
    trail: config.trail && config.trail.length ? config.trail : [config.region],
    gapIds: {},
    counters: { visit: 0, checkin: 0, opinion: 0, assignment: 0, handled: 0, overdue: 0, deliberation: 0 },
  };
  // For the layers of other files (dashboard_projects.js): the region shown, the layers
  // control once the map is up, and callbacks on each region change.
  var dashboard = cg.dashboard = { region: function () { return state.region; }, layers: null, onRegion: [] };
  // The window shown, and callbacks on each opinion cluster drawn (feature, layer): the
  // cluster → proposal button of dashboard_projects.js adds itself to the popup there.
  dashboard.days = function () { return state.days; };
  dashboard.onCluster = [];

  /* ---- stats panel ---- */
  function renderStats(s, tick) {
    var cells = s.cells || 0;
    setText("stat-coverage", cg.fmtPct(s.coverage_pct), tick);
    setText("stat-deputies", cg.fmtInt(s.deputies_active) + " / " + cg.fmtInt(s.deputies), tick);
    setText("stat-covered", cg.fmtInt(s.covered), tick);
    setText("stat-stale", cg.fmtInt(s.stale), tick);
    setText("stat-never", cg.fmtInt(s.never), tick);
    var segs = $("statebar").children;
    [s.covered, s.stale, s.never].forEach(function (n, i) {
      segs[i].style.width = cells ? (100 * (n || 0) / cells) + "%" : "0";
    });
    var target = s.target_households || s.households || 0;
    setText("stat-households", cg.fmtInt(s.households_visited) + " / " + cg.fmtInt(target), tick);
    $("stat-households-bar").style.width = target ? Math.min(100, 100 * s.households_visited / target) + "%" : "0";
    $("stats").dataset.covered = String(s.covered);
    renderTargetLabel();
    renderChildren(s.children || []);
  }

  /* The yearly target compares with this year's count; a rolling window says it is shorter. */
  function renderTargetLabel() {
    $("stat-households-label").textContent = state.window === "year" ? S.householdsYear
      : S.householdsWindow.replace("%(d)s", state.days);
  }

  /* ---- league table (children ranked by coverage, coloured by band; sortable) ---- */
  var league = { rows: [], sort: "rank" };

  function renderChildren(children) {
    league.rows = children;
    renderLeague();
  }

  function renderLeague() {
    var rows = league.rows.slice();
    if (league.sort === "name") rows.sort(function (a, b) { return a.name.localeCompare(b.name, "zh-Hans-CN"); });
    cg.fill("children", rows.length ? rows.map(function (c) {
      return h("li", { dataset: { adcode: c.adcode, band: c.band || "" }, click: function () { drillTo(c); } }, [
        h("div", { class: "row" }, [
          h("span", null, [h("small", { class: "rank" }, String(c.rank || "")), c.name]),
          h("b", null, cg.fmtPct(c.coverage_pct)),
        ]),
        h("div", { class: "minibar" }, h("span", {
          class: "band-" + (c.band || "low"), style: { width: Math.min(100, c.coverage_pct || 0) + "%" },
        })),
      ]);
    }) : cg.emptyItem(S.noChildren));
  }

  document.querySelectorAll("#league-sort button").forEach(function (btn) {
    btn.addEventListener("click", function () {
      league.sort = btn.dataset.sort;
      document.querySelectorAll("#league-sort button").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === btn));
      });
      renderLeague();
    });
  });

  function renderCrumbs() {
    var last = state.trail.length - 1;
    cg.fill("crumbs", state.trail.map(function (r, i) {
      return h("span", {
        class: "crumb" + (i === last ? " current" : ""),
        click: i < last && function () {
          state.trail = state.trail.slice(0, i + 1);
          showRegion(r, true);
        },
      }, r.name);
    }));
    $("region-name").textContent = state.region.name;
  }

  /* ---- the region drilled into, outlined on the map (its outline comes with the statistics
   * read on a region change, `outline=1`; none at the top of the jurisdiction) ---- */
  var outlineLayer = null;
  function drilledIn() { return state.trail.length > 1; }
  function showOutline(geometry) {
    if (outlineLayer) { outlineLayer.remove(); outlineLayer = null; }
    var box = cg.map && cg.map.getContainer();
    if (box) { box.dataset.outline = geometry ? state.region.adcode : ""; }
    if (!geometry || !cg.map) { return; }
    outlineLayer = L.geoJSON(geometry, {
      interactive: false,
      style: function () {
        return { color: cg.COLORS.selected, weight: 3, opacity: 0.95, fill: false };
      },
    }).addTo(cg.map);
  }

  function loadStats(tick, withOutline) {
    var params = { days: state.days };
    if (withOutline && drilledIn()) { params.outline = 1; }
    return cg.api(cg.url("stats", params, { adcode: state.region.adcode }))
      .then(function (s) {
        if (withOutline) { showOutline(s.outline || null); }
        renderStats(s, tick);
        showPlaceNames(s.children || []);
        if (!state.region.bbox && s.bbox) { state.region.bbox = s.bbox; cg.fitBbox(cg.map, s.bbox, true, state.region.level); }
        return s;
      })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  /* ---- gaps ---- */
  function loadGaps() {
    return cg.api(cg.url("gaps", { region: state.region.adcode, days: state.days, limit: 50 }))
      .then(function (data) {
        var results = (data && data.results) || [];
        state.gapIds = {};
        results.forEach(function (g) { state.gapIds[g.cell_id] = g; });
        if (cg.cells) { cg.cells.setGaps(state.gapIds); }  // restyled in place: no refetch
        cg.fill("gaps", results.length ? results.slice(0, 10).map(function (g) {
          var since = g.days_since_visit === null || g.days_since_visit === undefined
            ? S.neverVisited : g.days_since_visit + " " + S.days;
          return h("li", { click: function () { flashCell(g.cell_id); } }, [
            h("span", { class: "g-name" }, g.name || g.code),
            h("span", { class: "g-meta" }, cg.fmtInt(g.households) + " " + S.households + " · " + since),
          ]);
        }) : cg.emptyItem(S.noGaps));
      })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  function flashCell(id) {
    cg.cells.setExtra(id, { highlight: true });
    setTimeout(function () { cg.cells.setExtra(id, null); }, 2500);
    showCellDetails(cg.cells.effective(id));
  }

  /* ---- place names from the product's own data (the reference layer without a base map):
   * the names of the region's townships (or counties) at a point inside each boundary, from
   * the statistics the page reads anyway; with Tianditu they are its annotation's job. ---- */
  var placeNames = L.layerGroup();
  function showPlaceNames(children) {
    placeNames.clearLayers();
    if (config.basemapLabels) { return; }
    children.forEach(function (c) {
      if (!c.name_at) { return; }
      var icon = L.divIcon({ className: "place-label", html: "", iconSize: null });
      var marker = L.marker([c.name_at[1], c.name_at[0]], { icon: icon, interactive: false, keyboard: false });
      marker.on("add", function () { marker.getElement().textContent = c.name; });  // text only
      placeNames.addLayer(marker);
    });
    if (cg.map) { cg.map.getContainer().dataset.placeNames = String(placeNames.getLayers().length); }
  }

  /* ---- clusters ---- */
  var clusterLayer = L.featureGroup();
  // Count bubbles closer than this on screen are drawn as one: the biggest cluster's bubble
  // shows the sum and how many it stands for (class "merged"); zooming in separates them.
  var CLUSTER_LABEL_GAP_PX = 30;

  function clusterCentre(layer) {
    return layer.getCenter ? layer.getCenter() : layer.getBounds().getCenter();
  }

  /* Larger hulls below smaller ones: every cluster keeps a part of itself to click on. */
  function stackClusters() {
    clusterLayer.getLayers().map(function (layer) {
      var b = layer.getBounds();
      return { layer: layer, area: (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth()) };
    }).sort(function (a, b) { return b.area - a.area; }).forEach(function (x) {
      if (x.layer.bringToFront && cg.map.hasLayer(x.layer)) { x.layer.bringToFront(); }
    });
  }

  /* One count bubble per neighbourhood on screen, biggest cluster first (testability: the
   * map's data-cluster-labels, the bubbles shown). */
  function declutterClusterLabels() {
    var map = cg.map;
    if (!map || !map.hasLayer(clusterLayer)) { return; }
    var kept = [];
    clusterLayer.getLayers().slice().sort(function (a, b) {
      return (b.feature.properties.count || 0) - (a.feature.properties.count || 0);
    }).forEach(function (layer) {
      var tip = layer.getTooltip();
      if (!tip) { return; }
      var count = layer.feature.properties.count || 0;
      var at = map.latLngToContainerPoint(clusterCentre(layer));
      var host = kept.filter(function (k) { return k.at.distanceTo(at) < CLUSTER_LABEL_GAP_PX; })[0];
      var el = tip.getElement();
      if (host) {
        host.total += count; host.n += 1;
        if (el) { el.style.display = "none"; }
      } else {
        kept.push({ layer: layer, tip: tip, at: at, total: count, n: 1 });
        if (el) { el.style.display = ""; }
      }
    });
    kept.forEach(function (k) {
      k.tip.setContent(k.n > 1 ? cg.fmtInt(k.total) + " · " + k.n : cg.fmtInt(k.total));
      var el = k.tip.getElement();
      if (el) {
        el.classList.toggle("merged", k.n > 1);
        el.title = k.n > 1 ? (S.clustersMerged || "").replace("%(n)s", k.n) : "";
      }
    });
    map.getContainer().dataset.clusterLabels = String(kept.length);
  }
  function loadClusters() {
    return cg.api(cg.url("clusters", { region: state.region.adcode, days: state.days }))
      .then(function (fc) {
        clusterLayer.clearLayers();
        L.geoJSON(fc, {
          style: function () {
            return { color: "#ae3ec9", weight: 2, fillColor: "#ae3ec9", fillOpacity: 0.18, dashArray: "5 4" };
          },
          onEachFeature: function (f, layer) {
            var p = f.properties || {};
            var cats = (p.top_categories || []).map(function (c) {
              if (typeof c === "string") { return S["category_" + c] || c; }
              var key = c.category || c.name;
              return (S["category_" + key] || key) + (c.count ? " (" + c.count + ")" : "");
            }).join("、");
            layer.bindPopup(cg.popup(S.cluster, [
              [S.opinions, cg.fmtInt(p.count)], [S.open, cg.fmtInt(p.open_count)], [S.topCategories, cats],
            ]));
            layer.bindTooltip(String(p.count), { permanent: true, direction: "center", className: "cluster-label" });
            dashboard.onCluster.forEach(function (fn) { fn(f, layer); });
          },
        }).eachLayer(function (l) { clusterLayer.addLayer(l); });
        cg.map.getContainer().dataset.clusters = String(clusterLayer.getLayers().length);
        stackClusters();
        declutterClusterLabels();
      })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  /* ---- SLA pins: overdue and due-soon opinions (FixMyStreet #2378) ---- */
  var pinLayer = L.featureGroup();
  var PIN_COLOURS = { overdue: "#e03131", due_soon: "#f08c00" };
  function loadPins() {
    return cg.api(cg.url("opinionPins", { region: state.region.adcode }))
      .then(function (fc) {
        pinLayer.clearLayers();
        L.geoJSON(fc, {
          pointToLayer: function (f, at) {
            var colour = PIN_COLOURS[f.properties.sla] || "#868e96";
            return L.circleMarker(at, {
              radius: 7, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
            });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties || {};
            layer.bindPopup(cg.popup(p.sla === "overdue" ? S.slaOverdue : S.slaDueSoon, [
              [S.state, S["status_" + p.status] || p.status],
              [S.opinions, S["category_" + p.category] || p.category],
              [S.dueAt || "due", cg.fmtDateTime(p.due_at)],
            ]));
          },
        }).eachLayer(function (l) { pinLayer.addLayer(l); });
        var overdue = fc.features.filter(function (f) { return f.properties.sla === "overdue"; });
        var box = cg.map.getContainer();
        box.dataset.pins = String(fc.features.length);
        box.dataset.overduePins = String(overdue.length);
      })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  /* ---- overdue badges: open opinions past their deadline in the region (the escalation job's
   * alerts) linking to the work list filtered to them, and deliberation action items (议事措施)
   * past theirs linking to the region's deliberation days; one request, read again on each
   * opinion or action event ---- */
  function loadOverdue() {
    return cg.api(cg.url("overdue", null, { adcode: state.region.adcode }))
      .then(function (answer) {
        var region = "?region=" + encodeURIComponent(state.region.adcode);
        var badge = $("overdue-badge"), actions = $("actions-badge");
        setText("overdue-count", cg.fmtInt(answer.opinions));
        badge.dataset.count = String(answer.opinions);
        badge.href = badge.pathname + region + "&overdue=1";
        setText("actions-count", cg.fmtInt(answer.actions));
        actions.dataset.count = String(answer.actions);
        actions.href = actions.pathname + region;
      })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  /* ---- cell details ---- */
  function showCellDetails(p) {
    if (!p || p.id === undefined) { return; }
    cg.fill("cell-details", cg.facts([[S.cell, p.name || p.code]].concat(cg.cellFacts(p))));
    $("cell-card").hidden = false;
  }

  /* ---- region navigation ---- */
  function showRegion(region, fit) {
    state.region = region;
    renderCrumbs();
    if (fit && region.bbox) { cg.fitBbox(cg.map, region.bbox, true, region.level); }
    var params = new URLSearchParams(location.search);
    params.set("region", region.adcode);
    params.set("days", state.window);
    history.replaceState(null, "", location.pathname + "?" + params.toString());
    loadStats(false, true); loadGaps(); loadClusters(); loadPins(); loadOverdue();
    dashboard.onRegion.forEach(function (fn) { fn(region); });
  }

  /* A time-window switch: only what depends on the window is read again (statistics, gaps,
   * clusters; the tile layers change their URL themselves); the SLA pins, the overdue badges
   * and the projects layer do not depend on it and stay as they are. */
  function showWindow() {
    var params = new URLSearchParams(location.search);
    params.set("region", state.region.adcode);
    params.set("days", state.window);
    history.replaceState(null, "", location.pathname + "?" + params.toString());
    loadStats(false); loadGaps(); loadClusters();
  }

  function drillTo(child) {
    state.trail.push({ adcode: child.adcode, name: child.name, level: child.level, bbox: child.bbox });
    showRegion(state.trail[state.trail.length - 1], true);
  }

  var gapLayer = null;

  /* ---- the deputies' league (履职积分): this year's record of the deputies in the region,
   * ranked by points or by target completion (the mean share of each 12345 target reached),
   * coloured by completion band; read when the card is opened and on a region change while
   * open (no request on load). ---- */
  var deputies = { rows: [], sort: "points", loaded: null };

  function completionBand(c) { return c >= 0.9 ? "met" : c >= 0.6 ? "behind" : "low"; }

  function renderDeputyLeague() {
    var rows = deputies.rows.slice();
    if (deputies.sort === "completion") {
      rows.sort(function (a, b) { return b.completion - a.completion || a.rank - b.rank; });
    }
    cg.fill("deputy-league", rows.length ? rows.map(function (r, i) {
      var band = completionBand(r.completion || 0), pct = 100 * (r.completion || 0);
      return h("li", { dataset: { deputyId: String(r.deputy.id), band: band } }, [
        h("div", { class: "row" }, [
          h("span", null, [h("small", { class: "rank" }, String(i + 1)), r.deputy.name]),
          h("b", null, cg.fmtInt(r.points) + " " + S.deputyPoints),
        ]),
        h("div", { class: "minibar" }, h("span", { class: "band-" + band, style: { width: Math.min(100, pct) + "%" } })),
        h("small", { class: "muted" }, cg.fmtPct(pct) + " · " + S.deputyTargets
          .replace("%(met)s", r.targets_met).replace("%(n)s", r.targets)),
      ]);
    }) : cg.emptyItem(S.noDeputies));
  }

  function loadDeputyLeague() {
    var adcode = state.region.adcode;
    deputies.loaded = adcode;
    return cg.api(cg.url("records", { region: adcode }))
      .then(function (answer) {
        if (deputies.loaded !== adcode) { return; }
        deputies.rows = answer.results || [];
        renderDeputyLeague();
      })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  function setupDeputyLeague() {
    var card = $("deputy-league-card");
    card.addEventListener("toggle", function () {
      if (card.open && deputies.loaded !== state.region.adcode) { loadDeputyLeague(); }
    });
    dashboard.onRegion.push(function () { if (card.open) { loadDeputyLeague(); } else { deputies.loaded = null; } });
    document.querySelectorAll("#deputy-sort button").forEach(function (btn) {
      btn.addEventListener("click", function () {
        deputies.sort = btn.dataset.sort;
        document.querySelectorAll("#deputy-sort button").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === btn));
        });
        renderDeputyLeague();
      });
    });
  }
  setupDeputyLeague();

  /* ---- the legend: one group per layer, shown while that layer is on (the county roll-up
   * ramp below the cells' zoom, the cell states from it); the scales are built from the same
   * constants that colour the layers. The toggle folds it away (a phone's map is small). ---- */
  function legendScale(id, colours, labels) {
    cg.fill(id, colours.map(function (colour, i) {
      return h("span", { dataset: { step: String(i) } }, [
        h("i", { class: "sw", style: { background: colour } }), labels[i],
      ]);
    }));
  }

  function setupLegend(map, layers) {
    legendScale("legend-heat", HEAT_COLORS, HEAT_STEPS.map(function (n, i) {
      var next = HEAT_STEPS[i + 1];
      return next === undefined ? "≥ " + n : next - 1 === n ? String(n) : n + "–" + (next - 1);
    }));
    var step = 100 / cg.RAMP.length;
    legendScale("legend-ramp", cg.RAMP, cg.RAMP.map(function (c, i) {
      return Math.round(i * step) + "–" + Math.round((i + 1) * step) + "%";
    }));
    var cellsTiles = (config.tileLayers || {}).cells;
    var cellsMinZoom = cellsTiles ? cellsTiles.minzoom : 10;
    function update() {
      var zoom = map.getZoom();
      document.querySelectorAll("#legend .legend-group[data-layer]").forEach(function (group) {
        var key = group.dataset.layer, layer = layers[key];
        var on = !!layer && map.hasLayer(layer);
        if (key === "coverage") { on = on && zoom >= cellsMinZoom; }
        if (key === "counties") { on = on && zoom < cellsMinZoom; }
        group.hidden = !on;
      });
    }
    map.on("overlayadd overlayremove zoomend", update);
    var legend = $("legend"), toggle = $("legend-toggle");
    toggle.addEventListener("click", function () {
      var folded = legend.classList.toggle("folded");
      toggle.setAttribute("aria-expanded", String(!folded));
    });
    update();
  }

  cg.onMap(function (map) {
    // Outline and coverage of the counties: the same URL (the window's), one fetch per tile.
    var countyOutlines = cg.countyOutlines(map, { days: state.days });
    var countyCoverage = cg.countyCoverage(map, state.days);
    var cells = new cg.CellLayer(map, {
      onClick: function (id, props, e) {
        L.popup().setLatLng(e.latlng).setContent(cg.cellPopup(props)).openOn(map);
        showCellDetails(props);
      },
    });
    cg.cells = cells;

    var heatSeen = {}, heatCount = 0;
    var heat = L.vectorGrid.protobuf(cg.tileUrl("heat", { days: state.days }), {
      rendererFactory: L.canvas.tile, zIndex: 3,
      fetchOptions: { credentials: "same-origin" },
      maxNativeZoom: 16, maxZoom: config.maxZoom,
      vectorTileLayerStyles: {
        heat: function (p) {
          if (!heatSeen[p.h3]) {
            heatSeen[p.h3] = true;
            heatCount += 1;
            map.getContainer().dataset.heatRendered = String(heatCount);
          }
          var i = 0;
          while (i < HEAT_STEPS.length - 1 && (p.visits || 0) >= HEAT_STEPS[i + 1]) { i++; }
          return { fill: true, fillColor: HEAT_COLORS[i], fillOpacity: 0.55, color: "#ffffff", weight: 1, opacity: 0.8 };
        },
      },
    });

    cg.fitZoomRange(heat, "heat");
    // Gaps are an outline the cells layer draws on its own tiles; this entry of the layers
    // control only switches it.
    gapLayer = L.layerGroup();
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer === gapLayer) { cells.setGaps(state.gapIds, e.type === "overlayadd"); }
    });
    cells.setGaps(state.gapIds, true);
    var overlays = {};
    overlays[S.layerCoverage] = cells.layer;
    overlays[S.layerHeat] = heat;
    overlays[S.layerGaps] = gapLayer;
    overlays[S.layerClusters] = clusterLayer;
    overlays[S.layerPlaces] = placeNames;
    overlays[S.layerOverdue] = pinLayer;
    dashboard.layers = L.control.layers(null, overlays, { collapsed: window.innerWidth < 800 }).addTo(map);
    gapLayer.addTo(map);
    clusterLayer.addTo(map);
    placeNames.addTo(map);
    map.on("zoomend overlayadd", function () { declutterClusterLabels(); });
    pinLayer.addTo(map);
    setupLegend(map, {
      coverage: cells.layer, counties: countyCoverage, heat: heat, gaps: gapLayer,
      clusters: clusterLayer, overdue: pinLayer,
    });

    document.querySelectorAll("#window-control button").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var days = parseInt(btn.dataset.days, 10);
        if (btn.dataset.window === state.window) { return; }
        state.days = days; state.window = btn.dataset.window;
        document.querySelectorAll("#window-control button").forEach(function (b) {
          b.classList.toggle("active", b === btn);
        });
        cells.setDays(days);
        heatSeen = {}; heatCount = 0;
        heat.setUrl(cg.tileUrl("heat", { days: days }));
        countyOutlines.setUrl(cg.tileUrl("counties", { days: days }));
        countyCoverage.setUrl(cg.tileUrl("counties", { days: days }));
        showWindow();
      });
    });

    renderCrumbs(); renderTargetLabel();
    loadStats(false, true); loadGaps(); loadClusters(); loadPins(); loadOverdue();

    var refreshPins = cg.debounce(function () { loadPins(); loadOverdue(); }, 700);
    var refreshStats = cg.debounce(function () { loadStats(true); loadGaps(); }, 700);
    var refreshClusters = cg.debounce(loadClusters, 1500);

    function feed(kind, label, detail, at, place) {
      var ul = $("feed");
      var first = ul.querySelector(".muted");
      if (first) { ul.removeChild(first); }
      var li = h("li", { dataset: { event: kind } }, [
        h("time", { datetime: at || null }, cg.fmtTime(at)), h("span", { class: "ev ev-" + kind }, label),
        h("span", { class: "ev-what" }, detail || ""),
        place ? h("span", { class: "ev-place" }, place) : null,
      ]);
      ul.insertBefore(li, ul.firstChild);
      while (ul.children.length > 8) { ul.removeChild(ul.lastChild); }
      state.counters[kind] += 1;
      var c = state.counters;
      $("live-counters").textContent = "· " + S.visits + " " + c.visit + " · " + S.opinions + " " + c.opinion;
      document.body.dataset.liveEvents = String(c.visit + c.checkin + c.opinion + c.assignment);
    }

    cg.live = new cg.Live({
      "visit.created": function (item) {
        var p = cells.effective(item.cell_id);
        cells.override(item.cell_id, {
          state: "covered", last_visit: item.recorded_at,
          visits: (p.visits || 0) + 1,
          households_visited: (p.households_visited || 0) + (item.households || 0),
        });
        feed("visit", S.visitCreated, item.cell_name || item.cell_code, item.recorded_at, item.place);
        refreshStats();
      },
      // the visits' summaries are maintained by a job within seconds (coverage.drain): the
      // statistics and gaps are read again once it has applied them
      "coverage.drained": function () { refreshStats(); },
      "assignment.created": function (item) {
        cells.override(item.cell_id, { assigned: true });
        feed("assignment", S.assignmentCreated, item.cell_name || item.cell_code, null, item.place);
      },
      "opinion.created": function (item) {
        feed("opinion", S.opinionCreated, S["category_" + item.category] || item.category, item.recorded_at,
             [item.cell_name, item.place].filter(Boolean).join(" · "));
        refreshClusters();
      },
      "opinion.updated": function (item) {
        // a step of the closed loop (forwarded, answered, closed...): open counts in clusters
        // change; an overdue alert (the escalation job) is its own line in the feed
        if (item.action === "overdue") {
          feed("overdue", S.slaOverdue, S["status_" + item.status] || item.status);
        } else {
          feed("handled", S.opinionUpdated, S["status_" + item.status] || item.status);
        }
        refreshClusters();
        refreshPins();
      },
      "checkin.created": function (item) {
        feed("checkin", S.checkinCreated, item.station_name || "", item.recorded_at);
      },
      // a deliberation day's action item added or followed up: the overdue badge again
      "deliberation.action": function () { refreshPins(); },
      "deliberation.notice": function (item) {
        feed("deliberation", S.deliberationNotice, item.station + " · " + item.date);
      },
    });
  });
})();
/* The dashboard's print button and the map's size while printing: Leaflet measures its box
 * once, so before the print layout (a landscape page, map 160 mm high) it is told to measure
 * again and to fit the region, and again after. The big screen is server-side (?screen=big). */
(function () {
  "use strict";
  var cg = window.cg;

  function refit() {
    if (!cg.map) { return; }
    cg.map.invalidateSize(false);
    if (cg.config.region.bbox) { cg.fitBbox(cg.map, cg.config.region.bbox, false); }
  }

  window.addEventListener("beforeprint", refit);
  window.addEventListener("afterprint", refit);
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
