/* Keyboard shortcuts of the duplicate review (a pair page, templates/duplicate_pair.html):
   F fusionar · D son distintas · S or → next pair · ← previous pair · 1 / 2 keep the RUT of record 1 / 2.
   Ignored while typing in a text field, and with Ctrl, Alt or Meta (the browser's own shortcuts). */
(function () {
  "use strict";
  function typing(target) {
    if (!target || !target.closest) return false;
    if (target.closest("textarea, select, [contenteditable]")) return true;
    var input = target.closest("input");
    return !!input && input.type !== "radio" && input.type !== "checkbox";
  }
  function click(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented || typing(event.target)) return;
    var key = event.key;
    var done = false;
    if (key === "f" || key === "F") done = click("#fusionar");
    else if (key === "d" || key === "D") done = click("#distintas");
    else if (key === "s" || key === "S" || key === "ArrowRight") done = click('[data-shortcut="next"]');
    else if (key === "ArrowLeft") done = click('[data-shortcut="previous"]');
    else if (key === "1" || key === "2") {
      var radio = document.getElementById("keep-" + key);
      if (radio) { radio.checked = true; radio.focus(); done = true; }
    }
    if (done) event.preventDefault();
  });
})();
