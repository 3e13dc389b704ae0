/* The campaigns pages (map_ui/campaign_pages.py): the create form on /campaigns/, and on
 * /campaigns/<id>/ the bars against the targets, the township and deputy tables (sortable;
 * colour by band: green only when the target is met, amber on track, red behind), the
 * untouched cells on a map, participants added or removed by staff. The progress refreshes
 * live: a visit.created event inside the campaign's region (or campaign.changed for it)
 * refetches it (debounced). Testability: #campaign-page carries data-refreshes (how many
 * refetches landed) and the map data-features (untouched cells drawn). */
(function () {
  "use strict";
  var cg = window.cg, h = cg.h, S = cg.S, config = cg.config;
  var BAND_COLORS = { met: "#2f9e44", on_track: "#f59f00", behind: "#e03131", none: "#868e96" };
  var BANDS = ["met", "on_track", "behind", "none"];

  function numberOrNull(value) {
    if (value === "" || value === null || value === undefined) { return null; }
    var n = Number(value);
    return isNaN(n) ? value : n;
  }

  /* ---- /campaigns/: start a campaign ---- */
  function initList() {
    var form = cg.$("cp-form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) { return; }
        body[el.name] = el.name.indexOf("target_") === 0 ? numberOrNull(el.value) : el.value;
      });
      var error = cg.$("cp-error");
      error.hidden = true;
      cg.api(cg.url("campaigns"), { method: "POST", body: body }).then(function (c) {
        location.href = cg.url("campaignPage", null, { id: c.id });
      }).catch(function (err) {
        error.textContent = (S.failed || "Failed") + ": " + err.message +
          (err.data && err.data.field ? " (" + err.data.field + ")" : "");
        error.hidden = false;
      });
    });
  }

  /* ---- /campaigns/<id>/ ---- */
  var page = cg.$("campaign-page");
  var progress = config.campaign;
  var sortState = {};
  var refreshes = 0;

  function bandBadge(band) {
    return h("span", { class: "cp-band cp-band-" + band, dataset: { band: band } }, S["band_" + band]);
  }

  function bar(pct, band) {
    var width = Math.max(0, Math.min(100, pct || 0));
    return h("span", { class: "cp-bar" }, [
      h("span", { class: "cp-bar-fill", style: { width: width + "%", background: BAND_COLORS[band] } }),
    ]);
  }

  function renderBars() {
    cg.fill("cp-bars", progress.targets_progress.map(function (t) {
      var value = t.name === "cells_pct" ? cg.fmtPct(t.value) : cg.fmtInt(t.value);
      var target = t.target === null ? "" :
        " " + S.of + " " + (t.name === "cells_pct" ? t.target + "%" : cg.fmtInt(t.target));
      return h("li", { class: "cp-target", dataset: { name: t.name, band: t.band, value: t.value } }, [
        h("span", { class: "cp-target-name" }, S["m_" + t.name]),
        h("span", { class: "cp-target-value" }, value + target + (t.pct === null ? "" : " · " + cg.fmtPct(t.pct))),
        bar(t.pct, t.band), bandBadge(t.band),
      ]);
    }));
    cg.fill("cp-legend", BANDS.map(function (b) {
      return h("li", null, [h("span", { class: "cp-swatch", style: { background: BAND_COLORS[b] } }), S["band_" + b]]);
    }));
  }

  function setFact(id, value, text) {
    var el = cg.$(id);
    el.dataset.value = value;
    cg.setText(el, text, true);
  }

  function renderFacts() {
    var o = progress.overall;
    setFact("cp-visits", o.visits, cg.fmtInt(o.visits));
    setFact("cp-people", o.people, cg.fmtInt(o.people));
    setFact("cp-households", o.households, cg.fmtInt(o.households));
    setFact("cp-cells", o.cells_covered, cg.fmtInt(o.cells_covered) + " / " + cg.fmtInt(o.cells_total));
    cg.setText("cp-elapsed", progress.elapsed_pct);
    cg.setText("cp-participants", progress.participants);
  }

  function sorted(table, rows) {
    var s = sortState[table] || {};
    if (!s.key) { return rows; }
    var copy = rows.slice();
    copy.sort(function (a, b) {
      var x = a[s.key], y = b[s.key];
      if (x === null || x === undefined) { x = -1; }
      if (y === null || y === undefined) { y = -1; }
      var c = typeof x === "string" ? x.localeCompare(y, cg.lang()) : x - y;
      return s.desc ? -c : c;
    });
    return copy;
  }

  function pctCell(value, pct, band, target) {
    var label = target === null || target === undefined ? cg.fmtInt(value) :
      cg.fmtInt(value) + " / " + cg.fmtInt(target);
    return h("td", { class: "cp-num", dataset: { band: band } }, [
      h("span", { class: "cp-cell-text" }, label + (pct === null ? "" : " · " + cg.fmtPct(pct))),
      bar(pct, band),
    ]);
  }

  function renderTowns() {
    var rows = sorted("cp-towns", progress.townships);
    cg.fill(document.querySelector("#cp-towns tbody"), rows.map(function (t) {
      var covered = h("td", { class: "cp-num", dataset: { band: t.band } }, [
        h("span", { class: "cp-cell-text" },
          cg.fmtInt(t.cells_covered) + " / " + cg.fmtInt(t.cells) + " · " + cg.fmtPct(t.cells_pct)),
        bar(t.target_cells_pct ? 100 * t.cells_pct / t.target_cells_pct : t.cells_pct, t.band),
      ]);
      return h("tr", { dataset: { adcode: t.adcode, band: t.band } }, [
        h("td", null, t.name), covered,
        h("td", { class: "cp-num" }, cg.fmtInt(t.households)),
        h("td", { class: "cp-num" }, cg.fmtInt(t.people)),
        h("td", { class: "cp-num" }, cg.fmtInt(t.visits)),
      ]);
    }));
  }

  function removeDeputy(id) {
    update({ remove_deputy_ids: [id] });
  }

  function renderDeputies() {
    var rows = sorted("cp-deputies", progress.deputies);
    cg.fill(document.querySelector("#cp-deputies tbody"), rows.map(function (d) {
      var cells = [
        h("td", null, d.name), h("td", null, d.township),
        pctCell(d.households, d.pct, d.band, d.target_households),
        h("td", { class: "cp-num" }, cg.fmtInt(d.people)),
        h("td", { class: "cp-num" }, cg.fmtInt(d.visits)),
        h("td", { class: "cp-num" }, cg.fmtInt(d.cells_covered)),
      ];
      if (config.canAct) {
        cells.push(h("td", null, [h("button", {
          type: "button", class: "btn btn-small", click: function () { removeDeputy(d.id); },
        }, S.remove)]));
      }
      return h("tr", { dataset: { id: d.id, band: d.band, households: d.households } }, cells);
    }));
  }

  function render() {
    renderFacts(); renderBars(); renderTowns(); renderDeputies();
  }

  function initSorting(tableId, renderFn) {
    Array.prototype.forEach.call(document.querySelectorAll("#" + tableId + " th[data-key]"), function (th) {
      th.tabIndex = 0;
      th.classList.add("cp-sortable");
      function sortBy() {
        var s = sortState[tableId] || {};
        var key = th.dataset.key;
        sortState[tableId] = { key: key, desc: s.key === key ? !s.desc : th.dataset.type !== "text" };
        Array.prototype.forEach.call(th.parentNode.children, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", sortState[tableId].desc ? "descending" : "ascending");
        renderFn();
      }
      th.addEventListener("click", sortBy);
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sortBy(); } });
    });
  }

  var notify = page ? cg.notifier("cp-message") : null;
  var untouchedLayer = null;

  function loadUntouched() {
    return cg.api(cg.url("campaignUntouched", null, { id: progress.id })).then(function (fc) {
      var text = S.untouchedCount.replace("%(n)s", cg.fmtInt(fc.total));
      if (fc.truncated) { text += " (" + S.truncated.replace("%(n)s", cg.fmtInt(fc.features.length)) + ")"; }
      cg.setText("cp-untouched-count", text);
      cg.$("cp-map").dataset.features = fc.features.length;
      if (!window.L || !cg.campaignMap) { return; }
      if (untouchedLayer) { untouchedLayer.remove(); }
      untouchedLayer = L.geoJSON(fc, {
        style: function () { return { color: "#c92a2a", weight: 1, fillColor: "#e03131", fillOpacity: 0.45 }; },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindPopup(cg.popup(p.name, [[p.code, cg.fmtInt(p.households) + " " + S.households]]));
        },
      }).addTo(cg.campaignMap);
    });
  }

  function refresh() {
    return cg.api(cg.url("campaign", null, { id: progress.id })).then(function (p) {
      progress = p;
      render();
      refreshes += 1;
      page.dataset.refreshes = refreshes;
      return loadUntouched();
    });
  }

  function update(body) {
    cg.api(cg.url("campaign", null, { id: progress.id }), { method: "POST", body: body }).then(function (p) {
      progress = p; render(); notify(S.saved); loadUntouched();
    }).catch(function (err) { notify(S.failed + ": " + err.message, true); });
  }

  function initMap() {
    var el = cg.$("cp-map");
    if (!window.L || !el) { return; }
    var map = L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 1 });
    cg.campaignMap = map;
    var bbox = config.campaignRegion && config.campaignRegion.bbox;
    if (bbox) { map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]); } else { map.setView([28.2, 113.1], 9); }
  }

  function inPeriod(iso) {
    if (!iso) { return true; }
    var day = new Date(iso).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
    return day >= progress.starts_on && day <= progress.ends_on;
  }

  function initDetail() {
    page.dataset.refreshes = 0;
    render();
    initSorting("cp-towns", renderTowns);
    initSorting("cp-deputies", renderDeputies);
    initMap();
    loadUntouched();
    var add = cg.$("cp-add");
    if (add) {
      add.addEventListener("submit", function (ev) {
        ev.preventDefault();
        update({ add_deputy_ids: [Number(add.elements.deputy.value)] });
      });
    }
    var later = cg.debounce(function () {
      refresh().then(function () { notify(S.updated); }).catch(function () {});
    }, 400);
    new cg.Live({
      "visit.created": function (item) {
        if (String(item.adcode || "").indexOf(progress.region.adcode) === 0 && inPeriod(item.recorded_at)) { later(); }
      },
      "campaign.changed": function (item) {
        if (item.id === progress.id) { later(); }
      },
    });
  }

  if (page && progress) { initDetail(); } else { initList(); }
})();
