/* haechi review: reveal one preview at a time, blur it again when the pointer leaves, and
   keyboard shortcuts for the queue. No inline script anywhere (the content policy forbids it);
   the CSRF token is read from the page's own form field. */
(function () {
  "use strict";
  function csrf() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }
  function blur(img) {
    if (img.dataset.clear) {
      img.src = img.dataset.blurred;
      delete img.dataset.clear;
      img.classList.remove("revealed");
    }
  }
  function reveal(button) {
    var img = button.querySelector("img.preview");
    if (!img || img.dataset.clear) { return; }
    document.querySelectorAll("img.preview.revealed").forEach(blur); // one at a time
    fetch("/api/v1/hits/" + button.dataset.hit + "/reveal", {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf(), "Accept": "application/json"}
    }).then(function (answer) {
      if (!answer.ok) { throw new Error("refused"); }
      return answer.json();
    }).then(function (granted) {
      img.dataset.clear = "1";
      img.classList.add("revealed");
      img.src = granted.url;
    }).catch(function () { button.classList.add("refused"); });
  }
  document.querySelectorAll("button.reveal").forEach(function (button) {
    button.addEventListener("click", function () { reveal(button); });
    button.addEventListener("mouseleave", function () {
      var img = button.querySelector("img.preview");
      if (img) { blur(img); }
    });
    button.addEventListener("blur", function () {
      var img = button.querySelector("img.preview");
      if (img) { blur(img); }
    });
  });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.hit"));
  var at = -1;
  function focusRow(i) {
    if (!rows.length) { return; }
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r) { r.classList.remove("current"); });
    rows[at].classList.add("current");
    rows[at].focus();
  }
  function press(id) {
    var button = document.getElementById(id);
    if (button && document.querySelector('#bulk input[name="hit"]:checked')) { button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var row = rows[at];
    switch (event.key) {
      case "j": focusRow(at + 1); break;
      case "k": focusRow(at - 1); break;
      case "x":
        if (row) { var box = row.querySelector('input[name="hit"]'); if (box) { box.checked = !box.checked; } }
        break;
      case "c": press("confirm-selected"); break;
      case "r": press("reject-selected"); break;
      case "v":
        if (row) { var button = row.querySelector("button.reveal"); if (button) { reveal(button); } }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
