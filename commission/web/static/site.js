/* What the pages do with a script, each working without it too:
   - the menu grouped by job: each group a disclosure button (DSFR's navigation pattern), the whole menu
     behind one "Menu" button on a small screen; without the script every group stays open;
   - the error summary of a refused form takes the focus, and each of its links the focus to its field. */
(function () {
  "use strict";
  var SMALL = window.matchMedia("(max-width: 40rem)");

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (panel) { panel.hidden = !open; }
  }

  function init() {
    var nav = document.getElementById("main-nav");
    if (!nav) { return; }
    var toggles = Array.prototype.slice.call(nav.querySelectorAll(".nav-group-toggle"));
    var menu = nav.querySelector(".nav-toggle");
    nav.classList.add("nav-enhanced");

    toggles.forEach(function (button) {
      button.hidden = false;
      setOpen(button, false);
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        if (!SMALL.matches) {
          toggles.forEach(function (other) { if (other !== button) { setOpen(other, false); } });
        }
        setOpen(button, open);
      });
    });

    function fitScreen() {
      menu.hidden = !SMALL.matches;
      setOpen(menu, !SMALL.matches);
      if (SMALL.matches) {
        // on a phone the group of the current page starts open under the menu button
        toggles.forEach(function (button) {
          setOpen(button, button.parentNode.classList.contains("nav-group-current"));
        });
      } else {
        toggles.forEach(function (button) { setOpen(button, false); });
      }
    }
    menu.addEventListener("click", function () {
      setOpen(menu, menu.getAttribute("aria-expanded") !== "true");
    });
    if (SMALL.addEventListener) { SMALL.addEventListener("change", fitScreen); }
    fitScreen();

    // Escape closes an open group and gives the focus back to its button; a click elsewhere closes it
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || SMALL.matches) { return; }
      toggles.forEach(function (button) {
        if (button.getAttribute("aria-expanded") === "true") {
          setOpen(button, false);
          if (button.parentNode.contains(document.activeElement)) { button.focus(); }
        }
      });
    });
    document.addEventListener("click", function (event) {
      if (SMALL.matches || nav.contains(event.target)) { return; }
      toggles.forEach(function (button) { setOpen(button, false); });
    });
  }

  function errorSummary() {
    var summary = document.querySelector(".error-summary");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  function start() {
    init();
    errorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
