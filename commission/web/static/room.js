/* The room's screen follows the session without a reload: every few seconds (the page's data-refresh, the
   setting COMMISSION_ROOM_REFRESH_SECONDS) it asks room.json where the session stands and redraws its texts,
   as written by the server (in the reader's language, the persons by their initials). Without the script the
   page reloads itself. A failed request leaves the screen as it was, marked stale, and the next one tries again. */
(function () {
  "use strict";

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) { element.textContent = value || ""; }
  }

  function draw(data) {
    text("room-title", data.title);
    text("room-state", data.state);
    text("room-progress", data.progress);
    text("room-timing", data.timing);
    text("room-current", data.current ? data.current.text : data.idle);
    text("room-current-slot", data.current ? data.current.slot : "");
    text("room-last", data.last ? data.last.text : "—");
    var list = document.getElementById("room-to-come");
    if (list) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      data.to_come.forEach(function (item) {
        var line = document.createElement("li");
        line.textContent = item.text;
        list.appendChild(line);
      });
    }
    var nothing = document.getElementById("room-nothing-left");
    if (nothing) { nothing.hidden = data.to_come.length > 0; }
  }

  function start() {
    var screen = document.getElementById("room");
    if (!screen || !window.fetch) { return; }
    var source = screen.getAttribute("data-source");
    var seconds = parseInt(screen.getAttribute("data-refresh"), 10) || 5;

    function poll() {
      window.fetch(source, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          draw(data);
          screen.removeAttribute("data-stale");
        })
        .catch(function () { screen.setAttribute("data-stale", "true"); })
        .then(function () { window.setTimeout(poll, seconds * 1000); });
    }
    window.setTimeout(poll, seconds * 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
