/* "我关注的案件" on /my: stop following with DELETE /api/v1/cases/<number>/follow. */
(function () {
  "use strict";
  var csrf = document.querySelector("#follow-csrf input[name=csrfmiddlewaretoken]");
  if (!csrf || !window.fetch) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("button.unfollow"), function (b) {
    b.addEventListener("click", function () {
      b.disabled = true;
      fetch(b.dataset.url, { method: "DELETE", credentials: "same-origin",
                             headers: { "X-CSRFToken": csrf.value } })
        .then(function (r) {
          if (!r.ok) { throw new Error(String(r.status)); }
          b.closest("article").remove();
        })
        .catch(function () { b.disabled = false; });
    });
  });
})();
