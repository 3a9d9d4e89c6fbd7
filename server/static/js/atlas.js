/* The relational atlas: draws /atlas.json with Cytoscape.js into every [data-atlas] element.
 *
 * The page already lists every concept and its relations (the text equivalent, and what
 * shows without JavaScript); this script adds the graph, a panel for the chosen concept
 * and keyboard moves between concepts. No inline script: the data comes from the URL in
 * data-graph-url, the words from the page itself. */
(function () {
  "use strict";

  var COLOURS = {
    node: "#2f6f5e", remote: "#8a5a9e", chosen: "#c2410c", text: "#1d2b27",
    broader: "#44524d", related: "#2b6cb0", cooccurs: "#d08a2c", match: "#8a5a9e"
  };

  // Cytoscape adds a <style> element unless one with this id exists; the CSP forbids it,
  // and commons.css already holds the one rule it carries.
  function preventInjectedStyle() {
    var id = "__________cytoscape_stylesheet";
    if (!document.getElementById(id)) {
      var marker = document.createElement("meta");
      marker.id = id;
      document.head.appendChild(marker);
    }
  }

  function style(small) {
    return [
      { selector: "node", style: {
        "background-color": COLOURS.node, "label": "data(label)", "color": COLOURS.text,
        "font-size": small ? 11 : 12, "text-wrap": "wrap", "text-max-width": 120,
        "text-valign": "bottom", "text-margin-y": 4, "width": "data(size)", "height": "data(size)",
        "text-background-color": "#ffffff", "text-background-opacity": 0.8,
        "text-background-padding": 2, "border-width": 2, "border-color": "#ffffff"
      } },
      { selector: "node[?remote]", style: { "background-color": COLOURS.remote, "shape": "round-diamond" } },
      { selector: "node[count = 0]", style: { "background-opacity": 0.35 } },
      { selector: "edge", style: { "curve-style": "bezier", "width": 1.5, "opacity": 0.8 } },
      { selector: "edge[relation = 'broader']", style: {
        "line-color": COLOURS.broader, "target-arrow-shape": "triangle",
        "target-arrow-color": COLOURS.broader, "arrow-scale": 0.8
      } },
      { selector: "edge[relation = 'related']", style: { "line-color": COLOURS.related, "line-style": "dashed" } },
      { selector: "edge[relation = 'cooccurs']", style: {
        "line-color": COLOURS.cooccurs, "width": "data(width)", "opacity": 0.55
      } },
      { selector: "edge[relation = 'exactMatch'], edge[relation = 'closeMatch']", style: {
        "line-color": COLOURS.match, "line-style": "dotted", "width": 2.5
      } },
      { selector: "edge[relation = 'exactMatch']", style: { "line-style": "solid" } },
      { selector: ".faded", style: { "opacity": 0.12 } },
      { selector: "node.chosen", style: { "border-color": COLOURS.chosen, "border-width": 4 } }
    ];
  }

  function elements(data) {
    var most = 1, heaviest = 1;
    data.nodes.forEach(function (n) { most = Math.max(most, n.count); });
    data.edges.forEach(function (e) { if (e.relation === "cooccurs") { heaviest = Math.max(heaviest, e.weight); } });
    var nodes = data.nodes.map(function (n) {
      return { group: "nodes", data: {
        id: n.id, label: n.label, count: n.count, url: n.url, remote: !!n.origin,
        size: 18 + 42 * Math.sqrt(n.count / most)
      } };
    });
    var edges = data.edges.map(function (e, i) {
      return { group: "edges", data: {
        id: "e" + i, source: e.source, target: e.target, relation: e.relation, weight: e.weight,
        width: 1.5 + 8 * (e.weight / heaviest)
      } };
    });
    return nodes.concat(edges);
  }

  function text(tag, content, className) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (className) { el.className = className; }
    return el;
  }

  // The panel shows the chosen concept: a copy of its entry in the page's list (its link,
  // count and relations, already in the reader's language), the link leading to its items.
  function showInPanel(panel, node) {
    if (!panel) { return; }
    var entry = document.querySelector(".atlas-list li[data-iri=\"" + CSS.escape(node.id()) + "\"]");
    panel.textContent = "";
    if (entry) {
      var copy = entry.cloneNode(true);
      copy.removeAttribute("id");
      var heading = copy.querySelector("h3");
      var link = heading && heading.querySelector("a");
      if (link) { link.classList.add("atlas-items-link"); }
      panel.appendChild(wrap(copy));
    } else {
      var a = document.createElement("a");
      a.href = node.data("url");
      a.className = "atlas-items-link";
      a.textContent = node.data("label");
      var h = document.createElement("h3");
      h.appendChild(a);
      panel.appendChild(h);
    }
  }

  function wrap(li) {
    var div = document.createElement("div");
    while (li.firstChild) { div.appendChild(li.firstChild); }
    return div;
  }

  function highlight(cy, node) {
    cy.elements().removeClass("faded chosen");
    if (!node) { return; }
    var around = node.closedNeighborhood();
    cy.elements().not(around).addClass("faded");
    node.addClass("chosen");
  }

  function draw(container) {
    var small = container.dataset.small === "1";
    var panel = small ? null : document.querySelector("[data-atlas-panel]");
    fetch(container.dataset.graphUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (!data.nodes.length) { return; }
        container.hidden = false;
        if (panel) { panel.hidden = false; }
        preventInjectedStyle();
        var cy = cytoscape({
          container: container, elements: elements(data), style: style(small),
          wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3,
          layout: small
            ? { name: "concentric", concentric: function (n) { return n.id() === container.dataset.focus ? 2 : 1; }, levelWidth: function () { return 1; }, padding: 20, animate: false }
            : {
              name: "cose", animate: false, randomize: false, padding: 30, componentSpacing: 80,
              nodeRepulsion: function () { return 400000; }, gravity: 0.4, numIter: 1500,
              nodeOverlap: 20,
              // The thesaurus gives the shape; co-occurrences pull only lightly.
              idealEdgeLength: function (e) { return e.data("relation") === "cooccurs" ? 160 : 80; },
              edgeElasticity: function (e) { return e.data("relation") === "cooccurs" ? 400 : 60; }
            }
        });
        var order = cy.nodes().sort(function (a, b) { return a.data("label").localeCompare(b.data("label")); });
        var current = -1;
        function choose(node, fromKeyboard) {
          current = order.indexOf(node);
          highlight(cy, node);
          showInPanel(panel, node);
          if (fromKeyboard) { cy.animate({ center: { eles: node } }, { duration: 150 }); }
        }
        if (small && container.dataset.focus) {
          highlight(cy, cy.getElementById(container.dataset.focus));
        }
        cy.on("tap", "node", function (event) {
          if (small) { window.location.href = event.target.data("url"); return; }
          choose(event.target, false);
        });
        cy.on("tap", function (event) { if (event.target === cy) { highlight(cy, null); } });
        container.addEventListener("keydown", function (event) {
          if (!order.length) { return; }
          if (event.key === "ArrowRight" || event.key === "ArrowDown") {
            choose(order[(current + 1) % order.length], true);
          } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
            choose(order[(current - 1 + order.length) % order.length], true);
          } else if (event.key === "Enter" && current >= 0) {
            window.location.href = order[current].data("url");
          } else if (event.key === "Escape") {
            highlight(cy, null); current = -1; return;
          } else { return; }
          event.preventDefault();
        });
        // "Show in the graph" from the list: the list is the keyboard's way in, too.
        if (!small) {
          document.querySelectorAll(".atlas-list li[data-iri]").forEach(function (li) {
            var button = text("button", container.dataset.showLabel || "◎", "link-button atlas-show");
            button.type = "button";
            button.setAttribute("aria-label", (container.dataset.showLabel || "") + " " + li.querySelector("h3 a").textContent);
            button.addEventListener("click", function () {
              var node = cy.getElementById(li.dataset.iri);
              if (node.nonempty()) {
                choose(node, true);
                container.scrollIntoView({ behavior: "smooth", block: "center" });
                container.focus({ preventScroll: true });
              }
            });
            li.querySelector("h3").appendChild(button);
          });
        }
      })
      .catch(function () { container.hidden = true; });
  }

  function start() {
    if (typeof cytoscape === "undefined") { return; }
    document.querySelectorAll("[data-atlas]").forEach(function (el) {
      if (!el.dataset.drawn) { el.dataset.drawn = "1"; draw(el); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
