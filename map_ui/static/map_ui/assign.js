/* Staff assignment page: select uncovered cells (click, or a box with the box tool or
 * Shift + drag), fetch suggestions, assign, and see the cells turn "assigned" at once. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = cg.S, $ = cg.$, h = cg.h;

  var selected = {};   // id -> properties
  var boxMode = false;

  var toast = cg.notifier("toast", { ms: 6000 });

  function selectable(p) { return p && p.state !== "covered"; }

  function renderSelection() {
    var ids = Object.keys(selected);
    $("selected-count").textContent = String(ids.length);
    cg.map.getContainer().dataset.selected = String(ids.length);
    cg.fill("selected", ids.map(function (id) {
      return h("li", {
        title: selected[id].code || "",
        click: function () { toggle(Number(id), selected[id]); },
      }, selected[id].name || selected[id].code || id);
    }));
    $("btn-suggest").disabled = ids.length === 0;
    $("suggest-card").hidden = true;
    $("btn-assign").disabled = true;
  }

  function toggle(id, props, forceOn) {
    if (selected[id] && !forceOn) {
      delete selected[id];
      cg.cells.setExtra(id, null);
    } else {
      selected[id] = props;
      cg.cells.setExtra(id, { selected: true });
    }
  }

  function clearSelection() {
    Object.keys(selected).forEach(function (id) { cg.cells.setExtra(Number(id), null); });
    selected = {};
    renderSelection();
  }

  /* ---- box selection ---- */
  function setBoxMode(on) {
    boxMode = on;
    $("tool-box").setAttribute("aria-pressed", on ? "true" : "false");
    document.querySelector(".map-wrap").classList.toggle("boxing", on);
    if (on) { cg.map.dragging.disable(); } else { cg.map.dragging.enable(); }
  }

  function installBoxSelect(map) {
    map.boxZoom.disable(); // Shift + drag selects here instead of zooming
    var container = map.getContainer();
    var start = null, box = null;

    function pointOf(e) {
      var t = e.touches ? e.touches[0] : e;
      return map.mouseEventToContainerPoint(t);
    }
    function down(e) {
      if (!(boxMode || e.shiftKey) || (e.button !== undefined && e.button !== 0)) { return; }
      if (e.target.closest && e.target.closest(".leaflet-control")) { return; }
      start = pointOf(e);
      map.dragging.disable();
      box = L.DomUtil.create("div", "select-box", container);
      L.DomUtil.setPosition(box, start);
      e.preventDefault();
      e.stopPropagation();
    }
    function move(e) {
      if (!start) { return; }
      var p = pointOf(e);
      var min = L.point(Math.min(p.x, start.x), Math.min(p.y, start.y));
      L.DomUtil.setPosition(box, min);
      box.style.width = Math.abs(p.x - start.x) + "px";
      box.style.height = Math.abs(p.y - start.y) + "px";
    }
    function up(e) {
      if (!start) { return; }
      var end = e.changedTouches ? map.mouseEventToContainerPoint(e.changedTouches[0]) : pointOf(e);
      var a = map.containerPointToLatLng(start), b = map.containerPointToLatLng(end);
      start = null;
      L.DomUtil.remove(box); box = null;
      if (!boxMode) { map.dragging.enable(); }
      if (a.equals(b)) { return; }
      selectInBounds(L.latLngBounds(a, b));
    }
    container.addEventListener("mousedown", down, true);
    container.addEventListener("touchstart", down, { capture: true, passive: false });
    document.addEventListener("mousemove", move);
    document.addEventListener("touchmove", move, { passive: true });
    document.addEventListener("mouseup", up);
    document.addEventListener("touchend", up);
  }

  function selectInBounds(bounds) {
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (x) { return x.toFixed(6); }).join(",");
    cg.api(cg.url("cells", { region: config.region.adcode, days: cg.cells.days, bbox: bbox }))
      .then(function (fc) {
        (fc.features || []).forEach(function (f) {
          var p = L.extend({}, f.properties, cg.cells.overrides[f.properties.id] || {});
          if (selectable(p)) { toggle(p.id, p, true); }
        });
        renderSelection();
      })
      .catch(function (err) { toast(S.loadFailed + ": " + err.message, true); });
  }

  /* ---- suggestions and assignment ---- */
  function loadSuggestions() {
    var ids = Object.keys(selected);
    if (!ids.length) { toast(S.selectFirst, true); return; }
    $("btn-suggest").disabled = true;
    cg.api(cg.url("suggestions", { cells: ids.join(",") }))
      .then(function (data) { renderSuggestions((data && data.cells) || []); })
      .catch(function (err) { toast(S.loadFailed + ": " + err.message, true); })
      .then(function () { $("btn-suggest").disabled = Object.keys(selected).length === 0; });
  }

  function renderSuggestions(cells) {
    var byDeputy = {}, order = [];
    cells.forEach(function (c) {
      (c.suggestions || []).forEach(function (s) {
        var d = byDeputy[s.deputy_id];
        if (!d) {
          d = byDeputy[s.deputy_id] = L.extend({ cellsCovered: 0, minDistance: s.distance_m }, s);
          order.push(s.deputy_id);
        }
        d.cellsCovered += 1;
        d.minDistance = Math.min(d.minDistance, s.distance_m);
        d.in_district = d.in_district || s.in_district;
      });
    });
    cg.fill("suggestions", order.length ? order.map(function (id, i) {
      var d = byDeputy[id];
      return h("li", null, h("label", null, [
        h("input", { type: "radio", name: "deputy", value: id, checked: i === 0 }),
        h("span", null, [
          h("span", { class: "s-name" }, d.name),
          d.in_district && h("span", { class: "s-tag" }, S.inDistrict),
          h("div", { class: "s-meta" }, [
            d.station_name || "", h("br"),
            S.distance + " " + cg.fmtInt(Math.round(d.minDistance)) + " m · " +
              S.stationDistance + " " + cg.fmtInt(Math.round(d.station_distance_m)) + " m",
            h("br"),
            S.cellsAssigned + " " + cg.fmtInt(d.cells_assigned) + " · " +
              S.householdsToVisit + " " + cg.fmtInt(d.households_to_visit),
            d.reason && [h("br"), d.reason],
          ]),
        ]),
      ]));
    }) : cg.emptyItem(S.noSuggestions));
    $("suggest-card").hidden = false;
    $("btn-assign").disabled = order.length === 0;
  }

  function assign(ev) {
    ev.preventDefault();
    var checked = document.querySelector("#suggestions input[name=deputy]:checked");
    if (!checked) { toast(S.chooseDeputy, true); return; }
    var ids = Object.keys(selected).map(Number);
    var name = checked.closest("label").querySelector(".s-name").textContent;
    $("btn-assign").disabled = true;
    cg.api(cg.url("assignments"), {
      method: "POST",
      body: { cells: ids, deputy: Number(checked.value), reason: $("assign-reason").value },
    }).then(function (data) {
      var done = (data && data.assignments) || [];
      done.forEach(function (a) {
        cg.cells.setExtra(a.cell_id, null);
        delete selected[a.cell_id];
        cg.cells.override(a.cell_id, { assigned: true });
      });
      renderSelection();
      toast(S.assignedOk.replace("%(n)s", done.length).replace("%(name)s", name));
      cg.map.getContainer().dataset.assigned = String(Number(cg.map.getContainer().dataset.assigned || 0) + done.length);
    }).catch(function (err) {
      toast(S.assignFailed + ": " + err.message, true);
      $("btn-assign").disabled = false;
    });
  }

  cg.onMap(function (map) {
    cg.countyOutlines(map);
    cg.cells = new cg.CellLayer(map, {
      assignedMode: "fill",
      onClick: function (id, props) {
        if (!selectable(props)) { toast(S.alreadyCovered); return; }
        toggle(id, props);
        renderSelection();
      },
    });
    installBoxSelect(map);
    $("tool-box").addEventListener("click", function () { setBoxMode(!boxMode); });
    $("tool-clear").addEventListener("click", clearSelection);
    $("btn-suggest").addEventListener("click", loadSuggestions);
    $("assign-form").addEventListener("submit", assign);
    renderSelection();

    cg.live = new cg.Live({
      "visit.created": function (item) {
        cg.cells.override(item.cell_id, { state: "covered", last_visit: item.recorded_at });
        if (selected[item.cell_id]) { toggle(item.cell_id, null); renderSelection(); }
      },
      "assignment.created": function (item) { cg.cells.override(item.cell_id, { assigned: true }); },
    });
  });
})();
