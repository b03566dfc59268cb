/* The chair's session pages, tablet first; each works without this script too:
   - the decision form shows the parts of the decision chosen only (its places, its rank, the hearing a
     deferral comes back to, its usual reasons); the parts of the other decisions are hidden and disabled, so
     that the keyboard skips them and the form does not send them. Without the script every part shows;
   - the roll call asks who represents a member only for a member marked represented. */
(function () {
  "use strict";

  function each(list, action) { Array.prototype.forEach.call(list, action); }

  function decisionForm(form) {
    var parts = form.querySelectorAll("[data-decisions]");
    if (!parts.length) { return; }
    function apply() {
      var checked = form.querySelector("input[name='decision']:checked");
      var chosen = checked ? checked.value : "";
      each(parts, function (part) {
        var shown = part.getAttribute("data-decisions").split(" ").indexOf(chosen) !== -1;
        part.hidden = !shown;
        each(part.querySelectorAll("input, select, textarea"), function (field) { field.disabled = !shown; });
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "decision") { apply(); }
    });
    apply();
  }

  function rollCall(form) {
    each(form.querySelectorAll("[data-represented]"), function (box) {
      var name = box.getAttribute("data-represented");
      function apply() {
        var checked = form.querySelector("input[name='" + name + "']:checked");
        box.hidden = !(checked && checked.value === "represented");
      }
      form.addEventListener("change", function (event) {
        if (event.target.name === name) { apply(); }
      });
      apply();
    });
  }

  function start() {
    each(document.querySelectorAll("form.decision-form"), decisionForm);
    each(document.querySelectorAll("form.attendance-form"), rollCall);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
