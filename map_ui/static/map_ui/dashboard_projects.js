/* Leader dashboard: the livelihood-projects layer (民生实事项目, issue 15) and the township
 * funnel card. Each project's place (a point, a line for a road, an area) coloured by its
 * status (candidate, chosen, in progress, done, evaluated) with a legend, and a popup with
 * the department, progress, budget, latest update, supervision visits and satisfaction
 * against the 90% bar; the card lists each township's funnel (collected, shortlisted, voted,
 * implemented) and satisfaction.
 *
 * Off on first load (the dashboard's request budget, tests/browser/test_dashboard_requests.py):
 * switching the layer on (the layers control or the card's button) fetches projects.geojson
 * and project-funnel for the region shown, once per region; a drill-down while it is on
 * fetches them for the new region. Data reaches the DOM as text only (cg.h).
 *
 * Testability: #map[data-projects] (features drawn), path.pj-feature.pj-status-<status>,
 * #projects-legend [data-status], #projects-funnel tbody tr[data-adcode] td[data-step]. */
(function () {
  "use strict";
  var cg = window.cg, S = cg.S, $ = cg.$, h = cg.h;
  var STATUS_COLORS = {
    candidate: "#868e96", chosen: "#1c7ed6", in_progress: "#f59f00", done: "#2f9e44",
    evaluated: "#7048e8",
  };
  var STEPS = ["collected", "shortlisted", "voted", "implemented"];
  var layer = L.featureGroup();
  var loadedFor = null;  // the adcode whose projects are drawn

  function yuan(n) { return n === null || n === undefined ? "–" : cg.fmtInt(n) + " " + S.yuan; }

  function satisfaction(pct, bar) {
    if (pct === null || pct === undefined) { return S.noEvaluation; }
    return cg.fmtPct(pct) + " · " + (pct >= bar ? S.barMet : S.barMissed) + " (" + S.bar + " " + bar + "%)";
  }

  function popupOf(p) {
    return cg.popup(p.title, [
      [S.state, S["map_" + p.status] || p.status],
      [S.department, p.department || "–"],
      [S.progress, p.progress_pct + "%"],
      [S.budget, yuan(p.budget_yuan)],
      [S.latestUpdate, p.updated_on || S.noUpdate],  // a date in Asia/Shanghai, from the server
      [S.supervisions, cg.fmtInt(p.supervision_count)],
      [S.satisfaction, satisfaction(p.satisfaction_pct, p.satisfaction_bar_pct)],
    ]);
  }

  /* One style for every place (L.geoJSON applies `style` to the points' markers too): a
   * point is a filled dot with a white ring, a road a line, an area an outlined shape. */
  function styleOf(f) {
    var status = f.properties.status, colour = STATUS_COLORS[status] || "#495057";
    if (f.geometry.type === "Point" || f.geometry.type === "MultiPoint") {
      return {
        radius: 9, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
        className: "pj-feature pj-point pj-status-" + status,
      };
    }
    return {
      color: colour, weight: 5, opacity: 0.9, fillColor: colour, fillOpacity: 0.3,
      className: "pj-feature pj-status-" + status,
    };
  }

  function draw(fc, map) {
    layer.clearLayers();
    L.geoJSON(fc, {
      style: styleOf,
      pointToLayer: function (f, at) { return L.circleMarker(at, styleOf(f)); },
      onEachFeature: function (f, l) { l.bindPopup(popupOf(f.properties)); },
    }).eachLayer(function (l) { layer.addLayer(l); });
    map.getContainer().dataset.projects = String(fc.features.length);
  }

  function funnelRow(r, tag) {
    var sat = r.satisfaction;
    return h(tag || "tr", { dataset: { adcode: r.adcode || "" } }, [
      h("th", { scope: "row" }, r.name),
      STEPS.map(function (k) { return h("td", { dataset: { step: k } }, cg.fmtInt(r.funnel[k])); }),
      h("td", {
        dataset: { step: "satisfaction" },
        class: sat.meets_bar === null ? "" : sat.meets_bar ? "met" : "below",
        title: sat.evaluations ? sat.satisfied + " / " + sat.evaluations : S.noEvaluation,
      }, sat.pct === null ? "–" : cg.fmtPct(sat.pct)),
    ]);
  }

  function total(rows) {
    var sum = { adcode: "", name: S.total, funnel: {}, satisfaction: {} };
    STEPS.forEach(function (k) {
      sum.funnel[k] = rows.reduce(function (n, r) { return n + r.funnel[k]; }, 0);
    });
    var evaluations = rows.reduce(function (n, r) { return n + r.satisfaction.evaluations; }, 0);
    var satisfied = rows.reduce(function (n, r) { return n + r.satisfaction.satisfied; }, 0);
    var pct = evaluations ? Math.round(1000 * satisfied / evaluations) / 10 : null;
    var bar = rows.length ? rows[0].satisfaction.bar_pct : 90;
    sum.satisfaction = {
      evaluations: evaluations, satisfied: satisfied, pct: pct,
      meets_bar: pct === null ? null : pct >= bar,
    };
    return sum;
  }

  function renderFunnel(answer) {
    var rows = answer.results || [], table = $("projects-funnel");
    $("projects-hint").hidden = true;
    table.hidden = false;
    cg.fill(table.tBodies[0], rows.length ? rows.map(function (r) { return funnelRow(r); })
      : h("tr", null, h("td", { colspan: "6", class: "muted" }, S.noCalls)));
    cg.fill(table.tFoot, rows.length > 1 ? funnelRow(total(rows)) : null);
  }

  function load(map) {
    var region = cg.dashboard.region();
    if (loadedFor === region.adcode) { return; }
    loadedFor = region.adcode;
    var params = { region: region.adcode };
    function current() { return loadedFor === params.region; }  // not overtaken by a drill-down
    cg.api(cg.url("projectsLayer", params))
      .then(function (fc) { if (current()) { draw(fc, map); } })
      .catch(function (err) { loadedFor = null; console.error(S.loadFailed, err); });
    cg.api(cg.url("projectFunnel", params))
      .then(function (answer) { if (current()) { renderFunnel(answer); } })
      .catch(function (err) { console.error(S.loadFailed, err); });
  }

  function legend() {
    cg.fill("projects-legend", [h("b", null, S.layerProjects)].concat(
      Object.keys(STATUS_COLORS).map(function (key) {
        return h("span", { dataset: { status: key } }, [
          h("i", { class: "pj-swatch", style: { background: STATUS_COLORS[key] } }),
          S["map_" + key] || key,
        ]);
      })));
  }

  function shown(on) {
    var btn = $("projects-toggle");
    btn.setAttribute("aria-pressed", String(on));
    btn.textContent = on ? S.hideProjects : S.showProjects;
    $("projects-legend").hidden = !on;
  }

  /* The opinion-cluster popup's button 「转为民生实事提议」 (staff and admins: config.canPropose):
   * one POST to `proposals` with the cluster as the map shows it (id, region, window); the
   * server recomputes its opinions, keeps them as evidence and files the proposal in the call
   * open today for their township (else county). The answer (or the error's message, e.g.
   * project.no_open_call) replaces the button. Testability: .cluster-propose button,
   * .cluster-propose-result[data-proposal] / [data-code]. */
  function clusterProposal(f, clusterLayer) {
    if (!cg.config.canPropose) { return; }
    var popup = clusterLayer.getPopup(), box = popup && popup.getContent();
    if (!box || !box.appendChild) { return; }
    var out = h("p", { class: "cluster-propose-result", role: "status" });
    var btn = h("button", { type: "button", class: "btn small cluster-propose" }, S.clusterToProposal);
    btn.addEventListener("click", function () {
      btn.disabled = true;
      var ref = { id: f.id, region: cg.dashboard.region().adcode, days: cg.dashboard.days() };
      cg.api(cg.url("proposals"), { method: "POST", body: { cluster: ref } })
        .then(function (answer) {
          out.dataset.proposal = String(answer.proposal.id);
          cg.fill(out, [S.clusterProposed + " " + answer.call.title + " · ",
            h("a", { href: cg.config.urls.projectsPage + "?region=" + answer.call.adcode }, answer.proposal.title)]);
          btn.hidden = true;
        })
        .catch(function (err) {
          out.dataset.code = err.code || "";
          out.classList.add("error");
          out.textContent = err.message;
          btn.disabled = err.code === "project.cluster_proposed";
        })
        .then(function () { popup.update(); });
    });
    // In the popup's content before it first opens: Leaflet pans the map to show all of it.
    box.appendChild(btn);
    box.appendChild(out);
  }

  if (cg.dashboard && cg.dashboard.onCluster) { cg.dashboard.onCluster.push(clusterProposal); }

  cg.onMap(function (map) {
    legend();
    if (cg.dashboard.layers) { cg.dashboard.layers.addOverlay(layer, S.layerProjects); }
    layer.on("add", function () { shown(true); load(map); });
    layer.on("remove", function () { shown(false); });
    $("projects-toggle").addEventListener("click", function () {
      if (map.hasLayer(layer)) { map.removeLayer(layer); } else { map.addLayer(layer); }
    });
    cg.dashboard.onRegion.push(function () {
      if (map.hasLayer(layer)) { load(map); }
    });
  });
})();
