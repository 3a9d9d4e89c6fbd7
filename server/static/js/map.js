/* Maps of items placed by their territories, with Leaflet, in every [data-map] element.
 *
 * Two ways in: the page lists the points (li[data-lat][data-lon] in the block's
 * [data-map-list]) and a marker is drawn for each, its popup a copy of the entry; or
 * data-points-url names a /map.json address, and the list and the markers are built from
 * it. Markers and the list show whether tiles load or not (tiles are only a background).
 * No inline script: settings and words come in data- attributes. */
(function () {
  "use strict";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function countText(strings, n) {
    return (n === 1 ? strings.one : strings.other).replace("{n}", String(n));
  }

  function itemList(items, count, url, strings) {
    var ul = el("ul", "", { "class": "map-items" });
    items.forEach(function (item) {
      var li = el("li");
      li.appendChild(el("a", item.title, { href: item.url }));
      ul.appendChild(li);
    });
    if (url && count > items.length) {
      var more = el("li");
      more.appendChild(el("a", strings.all.replace("{n}", String(count)), { href: url }));
      ul.appendChild(more);
    }
    return ul;
  }

  // Build the list from /map.json, the same markup the server writes for a page's points.
  function buildList(list, data, strings) {
    list.textContent = "";
    if (!data.points.length) { list.appendChild(el("p", strings.empty, { "class": "empty" })); }
    if (data.points.length) {
      var places = el("ul", "", { "class": "plain" });
      data.points.forEach(function (p) {
        var li = el("li", "", { "data-lat": p.lat, "data-lon": p.lon, "data-count": p.count });
        li.appendChild(el("a", p.label, { href: p.url }));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "(" + countText(strings, p.count) + ")", { "class": "count" }));
        li.appendChild(itemList(p.items, p.count, p.url, strings));
        places.appendChild(li);
      });
      var details = el("details", "", { "class": "map-places" });
      details.appendChild(el("summary", data.points.length + " · " + countText(strings, data.points.reduce(function (s, p) { return s + p.count; }, 0))));
      details.appendChild(places);
      list.appendChild(details);
    }
    if (data.unplaced.count) {
      var apart = el("details", "", { "class": "map-unplaced" });
      apart.appendChild(el("summary", strings.unplaced + ": " + countText(strings, data.unplaced.count)));
      apart.appendChild(itemList(data.unplaced.items, 0, null, strings));
      list.appendChild(apart);
    }
  }

  function draw(container) {
    var block = container.closest(".map-block");
    var list = block.querySelector("[data-map-list]");
    var strings = JSON.parse(container.dataset.strings || "{}");
    var entries = list.querySelectorAll("li[data-lat][data-lon]");
    if (!entries.length) { return; }
    container.hidden = false;
    var map = L.map(container, { scrollWheelZoom: false, worldCopyJump: true });
    if (container.dataset.tiles) {
      L.tileLayer(container.dataset.tiles, {
        maxZoom: 18, attribution: container.dataset.attribution || ""
      }).addTo(map);
    }
    var icon = L.icon({
      iconUrl: container.dataset.markerIcon, iconRetinaUrl: container.dataset.markerIcon2x,
      shadowUrl: container.dataset.markerShadow, iconSize: [25, 41], iconAnchor: [12, 41],
      popupAnchor: [1, -34], shadowSize: [41, 41]
    });
    var bounds = [];
    entries.forEach(function (li) {
      var lat = parseFloat(li.dataset.lat), lon = parseFloat(li.dataset.lon);
      if (isNaN(lat) || isNaN(lon)) { return; }
      var name = li.querySelector("a").textContent;
      var count = parseInt(li.dataset.count, 10) || 0;
      var marker = L.marker([lat, lon], {
        icon: icon, title: name + " (" + countText(strings, count) + ")",
        alt: name + " (" + countText(strings, count) + ")", keyboard: true
      });
      var popup = el("div", "", { "class": "map-popup" });
      Array.prototype.forEach.call(li.childNodes, function (child) { popup.appendChild(child.cloneNode(true)); });
      marker.bindPopup(popup, { maxWidth: 320, maxHeight: 260 });
      marker.bindTooltip(String(count), { permanent: true, direction: "top", offset: [0, -36], className: "map-count" });
      marker.addTo(map);
      bounds.push([lat, lon]);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 9);
    } else {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 10 });
    }
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map]").forEach(function (container) {
      if (container.dataset.drawn) { return; }
      container.dataset.drawn = "1";
      var url = container.dataset.pointsUrl;
      if (!url) { draw(container); return; }
      var list = container.closest(".map-block").querySelector("[data-map-list]");
      var strings = JSON.parse(container.dataset.strings || "{}");
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { buildList(list, data, strings); draw(container); })
        .catch(function () { list.appendChild(el("p", strings.failed, { "class": "empty" })); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
