// Every page: the page's own address in "how to cite"; on the map, names of the unit under the pointer or focus.
(function () {
  "use strict";
  var here = location.href.split("#")[0];
  document.querySelectorAll(".cite-url").forEach(function (el) { el.textContent = here; });
  var info = document.getElementById("map-info");
  var map = document.getElementById("xj-map");
  if (!info || !map) return;
  function show(ev) {
    var a = ev.target.closest && ev.target.closest("a");
    if (!a || !map.contains(a)) return;
    info.textContent = "";
    var p = document.createElement("p");
    p.style.margin = "0";
    p.textContent = a.getAttribute("aria-label");
    var link = document.createElement("a");
    link.href = a.getAttribute("href");
    link.textContent = "Open the place's page";
    info.appendChild(p);
    info.appendChild(link);
  }
  map.addEventListener("mouseover", show);
  map.addEventListener("focusin", show);
})();
