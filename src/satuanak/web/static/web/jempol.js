/* The Jempol planner's map: the desa boundaries (/peta/desa.geojson), the planned desa filled by
 * priority and numbered in visit order (/jempol/rencana.json). No tile layer, no outside requests;
 * plain ES5 like map.js. */
(function () {
  "use strict";

  var el = document.getElementById("jempol-peta");
  var status = document.getElementById("jempol-status");
  var legend = document.getElementById("jempol-legenda");
  if (!el || !window.L) { return; }

  var COLOURS = { 1: "#b30000", 2: "#e6550d", 3: "#fdae6b" };
  var LABELS = { 1: "tinggi / high", 2: "sedang / medium", 3: "rendah / low" };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }

  var map = L.map(el, { zoomSnap: 0.25, minZoom: 7, maxZoom: 15 });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Batas: cahyadsn/wilayah_boundaries (MIT) · Kode: Kemendagri");

  Promise.all([getJson(el.getAttribute("data-geojson-url")), getJson(el.getAttribute("data-plan-url"))])
    .then(function (results) {
      var shapes = results[0];
      var plan = results[1];
      var byCode = {};
      plan.kunjungan.forEach(function (v) {
        if (!byCode[v.desa_kode]) { byCode[v.desa_kode] = v; }
      });
      var layer = L.geoJSON(shapes, {
        style: function (f) {
          var v = byCode[f.properties.kode];
          return {
            color: "#5b6b78",
            weight: v ? 1.5 : 0.6,
            fillColor: v ? COLOURS[v.prioritas] : "#f4f1ea",
            fillOpacity: v ? 0.75 : 0.5
          };
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties;
          var v = byCode[p.kode];
          var text = "<strong>" + escapeHtml(p.nama) + "</strong> (" + escapeHtml(p.kecamatan) + ")";
          if (v) {
            text += "<br>" + escapeHtml(v.urutan + ". " + v.tanggal + " · prioritas " + LABELS[v.prioritas]) +
              "<br>" + escapeHtml(v.alasan);
          }
          lyr.bindTooltip(text, { sticky: true });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      var centres = {};
      shapes.features.forEach(function (f) { centres[f.properties.kode] = f.properties.pusat; });
      plan.kunjungan.forEach(function (v) {
        var at = centres[v.desa_kode];
        if (!at) { return; }
        L.marker(at, {
          icon: L.divIcon({
            className: "jempol-num p" + v.prioritas,
            html: String(v.urutan),
            iconSize: [24, 24]
          }),
          title: v.urutan + ". " + v.desa + " " + v.tanggal,
          keyboard: false
        }).addTo(map);
      });
      var html = "<strong>" + escapeHtml(plan.triwulan) + "</strong> · " + plan.kunjungan.length +
        " kunjungan / visits · angka = urutan / number = visit order<br>";
      [1, 2, 3].forEach(function (k) {
        html += '<span class="legend-item"><span class="swatch" style="background:' + COLOURS[k] + '"></span>' +
          "prioritas " + LABELS[k] + "</span>";
      });
      legend.innerHTML = html;
      status.textContent = plan.kunjungan.length ? "" : "Belum ada kunjungan untuk dipetakan. / No visits to map.";
    })
    .catch(function () {
      status.textContent = "Peta gagal dimuat. / The map could not be loaded.";
      status.className = "map-status error";
    });
})();
