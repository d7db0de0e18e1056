// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // A double tap on submit must not send the form twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    window.setTimeout(function () { form.dataset.submitted = ""; }, 4000);
  });
  // Self-complete mode: after inactivity, go to the locked screen (answers are not shown there).
  var lock = document.querySelector("[data-lock-url]");
  if (lock) {
    var limit = parseInt(lock.dataset.lockSeconds || "180", 10) * 1000;
    var timer;
    var reset = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        // Save what is on the page before locking: the lock screen says the answers are saved.
        var questions = document.querySelector("form.questions");
        if (questions) {
          var action = document.createElement("input");
          action.type = "hidden"; action.name = "action"; action.value = "lock";
          questions.appendChild(action);
          questions.submit();
        } else {
          window.location.assign(lock.dataset.lockUrl);
        }
      }, limit);
    };
    // Reading a long page counts as activity too: a parent may scroll without tapping.
    ["click", "keydown", "touchstart", "pointerdown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }
  // Buttons that confirm before a destructive action.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) { event.preventDefault(); }
  });
})();
