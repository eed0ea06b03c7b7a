// Checkout address: when the province changes, the commune box offers that province's
// communes as the shopper types (the browser filters a <datalist>). Without this script the
// "show the province's communes" button reloads the form with the list.
(function () {
  var province = document.querySelector('select[data-communes]');
  var list = document.getElementById('communes');
  if (!province || !list || !window.fetch) return;
  document.querySelectorAll('[data-no-js]').forEach(function (b) { b.hidden = true; });
  province.addEventListener('change', function () {
    list.textContent = '';
    if (!province.value) return;
    fetch('/api/v1/provinces/' + encodeURIComponent(province.value) + '/communes')
      .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
      .then(function (body) {
        body.communes.forEach(function (c) {
          var option = document.createElement('option');
          option.value = c.name;
          list.appendChild(option);
        });
      })
      .catch(function () { /* the server still checks the commune on submit */ });
  });
})();
