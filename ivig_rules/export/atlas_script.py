"""The pathway page's script: click (or press Enter on) a box of the diagram to read its details.

Plain JavaScript, inline in the page, no library and no network: the details are HTML fragments
the atlas wrote (escaped) into a JSON script element; the script only moves the chosen one into
the panel ``#node-details``. Escape or the close button hides the panel again.
"""

from __future__ import annotations

__all__ = ["DETAILS_SCRIPT"]

DETAILS_SCRIPT = """\
(function () {
  "use strict";
  var details = JSON.parse(document.getElementById("node-data").textContent);
  var panel = document.getElementById("node-details");
  var body = panel.querySelector(".details-body");
  var selected = null;
  function close() {
    panel.hidden = true;
    if (selected) { selected.classList.remove("selected"); selected = null; }
  }
  function open(box) {
    var id = box.getAttribute("data-node");
    if (!Object.prototype.hasOwnProperty.call(details, id)) { return; }
    if (selected) { selected.classList.remove("selected"); }
    selected = box;
    box.classList.add("selected");
    body.innerHTML = details[id];
    panel.setAttribute("data-showing", id);
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-node]"), function (box) {
    box.addEventListener("click", function () { open(box); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(box); }
    });
  });
  panel.querySelector(".close").addEventListener("click", close);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(); } });
})();
"""
