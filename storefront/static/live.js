// Live page: replaces the pinned product when the seller pins another one (server-sent
// events). Without JavaScript the page shows the pin current when it was loaded.
(function () {
  var section = document.getElementById('pinned');
  if (!section || !window.EventSource) return;
  var source = new EventSource(section.getAttribute('data-events'));
  source.addEventListener('pin', function (event) {
    var data = JSON.parse(event.data);
    if (String(data.version) === section.getAttribute('data-version')) return;
    section.setAttribute('data-version', String(data.version));
    section.innerHTML = data.html;
  });
})();
