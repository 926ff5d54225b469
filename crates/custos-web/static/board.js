// Custos pipeline board: move a deal by dragging its card to another stage, or by focusing the
// card and pressing ArrowLeft / ArrowRight (ArrowUp / ArrowDown go through a stage's cards).
// Each move is POSTed with the session's CSRF token and the card's version; the server answers
// with the re-rendered board. A 409 (someone changed the deal) shows the board's message on the
// card and reloads the board. All text comes from the page (data-msg-*); no inline script.
(function () {
  "use strict";

  var busy = false;

  function board() {
    return document.getElementById("board");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrf-token"] || "";
    } catch (e) {
      return "";
    }
  }

  function say(text) {
    var region = document.getElementById("board-status");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 60);
  }

  function cardOf(el) {
    return el && el.closest ? el.closest(".deal-card") : null;
  }

  function columnOf(el) {
    return el && el.closest ? el.closest(".board-col") : null;
  }

  function replaceBoard(html, focusId) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
    var current = board();
    if (!fresh || !current) {
      window.location.reload();
      return;
    }
    current.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    say(fresh.getAttribute("data-announce"));
    if (focusId) {
      var card = document.getElementById("deal-" + focusId);
      if (card) card.focus();
    }
  }

  function reloadBoard(focusId) {
    var b = board();
    var url = "/pipeline?pipeline=" + encodeURIComponent(b ? b.getAttribute("data-pipeline-id") : "");
    fetch(url, { credentials: "same-origin", headers: { "hx-request": "true" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { replaceBoard(html, focusId); })
      .catch(function () { window.location.reload(); });
  }

  function showError(card, message) {
    var p = card.querySelector(".deal-card-error");
    if (p) {
      p.textContent = message;
      p.hidden = false;
    }
    card.classList.add("has-error");
    say(message);
  }

  function move(card, stageId, keepFocus) {
    var b = board();
    if (busy || !b || !card || !stageId) return;
    var from = columnOf(card);
    if (from && from.getAttribute("data-stage-id") === stageId) return;
    busy = true;
    card.classList.add("is-saving");
    card.setAttribute("aria-busy", "true");
    var id = card.getAttribute("data-deal-id");
    var body = new URLSearchParams();
    body.set("stage_id", stageId);
    body.set("version", card.getAttribute("data-version"));
    fetch("/deals/" + encodeURIComponent(id) + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "hx-request": "true",
        "x-csrf-token": csrfToken()
      },
      body: body.toString()
    })
      .then(function (r) {
        return r.text().then(function (text) { return { ok: r.ok, status: r.status, text: text }; });
      })
      .then(function (res) {
        busy = false;
        if (res.ok) {
          replaceBoard(res.text, keepFocus ? id : null);
          return;
        }
        card.classList.remove("is-saving");
        card.removeAttribute("aria-busy");
        showError(card, b.getAttribute(res.status === 409 ? "data-msg-stale" : "data-msg-failed"));
        window.setTimeout(function () { reloadBoard(keepFocus ? id : null); }, 1500);
      })
      .catch(function () {
        busy = false;
        showError(card, b.getAttribute("data-msg-failed"));
        window.setTimeout(function () { reloadBoard(null); }, 1500);
      });
  }

  document.addEventListener("dragstart", function (e) {
    var card = cardOf(e.target);
    if (!card || card.getAttribute("draggable") !== "true") return;
    e.dataTransfer.setData("text/plain", card.getAttribute("data-deal-id"));
    e.dataTransfer.effectAllowed = "move";
    card.classList.add("is-dragging");
  });

  document.addEventListener("dragend", function (e) {
    var card = cardOf(e.target);
    if (card) card.classList.remove("is-dragging");
    document.querySelectorAll(".board-col.is-over").forEach(function (c) { c.classList.remove("is-over"); });
  });

  document.addEventListener("dragover", function (e) {
    var col = columnOf(e.target);
    if (!col || !board() || !board().contains(col)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    col.classList.add("is-over");
  });

  document.addEventListener("dragleave", function (e) {
    var col = columnOf(e.target);
    if (col && !col.contains(e.relatedTarget)) col.classList.remove("is-over");
  });

  document.addEventListener("drop", function (e) {
    var col = columnOf(e.target);
    if (!col) return;
    e.preventDefault();
    col.classList.remove("is-over");
    var id = e.dataTransfer.getData("text/plain");
    var card = id ? document.getElementById("deal-" + id) : null;
    if (card) move(card, col.getAttribute("data-stage-id"), false);
  });

  document.addEventListener("keydown", function (e) {
    var card = e.target;
    if (!card.classList || !card.classList.contains("deal-card") || card.getAttribute("draggable") !== "true") return;
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    var col = columnOf(card);
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      var next = e.key === "ArrowRight" ? col.nextElementSibling : col.previousElementSibling;
      while (next && !next.classList.contains("board-col")) {
        next = e.key === "ArrowRight" ? next.nextElementSibling : next.previousElementSibling;
      }
      e.preventDefault();
      if (next) move(card, next.getAttribute("data-stage-id"), true);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      var sibling = e.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
      e.preventDefault();
      if (sibling) sibling.focus();
    }
  });
})();
