// Suggestions while typing in a search box (an ARIA 1.2 combobox): product kinds, products,
// producers and provinces from /api/v1/suggest. Arrow keys move through them, Enter opens
// the chosen one, Escape closes the list. Without this script the box is a plain search form.
(function () {
  if (!window.fetch || !document.querySelector) return;
  var groups = document.documentElement.lang === 'en'
    ? { kind: 'Product kind', product: 'Product', producer: 'Producer', province: 'Province' }
    : { kind: 'Loại sản phẩm', product: 'Sản phẩm', producer: 'Nhà sản xuất', province: 'Tỉnh, thành phố' };

  function attach(input, n) {
    var list = document.createElement('ul');
    list.id = 'suggest-' + n;
    list.className = 'suggest';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', input.labels && input.labels[0] ? input.labels[0].textContent : 'Gợi ý');
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('autocomplete', 'off');
    var options = [];
    var active = -1;
    var timer = null;
    var asked = '';

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function mark(i) {
      options.forEach(function (o, j) { o.el.setAttribute('aria-selected', j === i ? 'true' : 'false'); });
      active = i;
      if (i >= 0) {
        input.setAttribute('aria-activedescendant', options[i].el.id);
        options[i].el.scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function show(items) {
      list.textContent = '';
      options = [];
      items.forEach(function (s, i) {
        var li = document.createElement('li');
        li.id = list.id + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        var label = document.createElement('span');
        label.textContent = s.label;
        var kind = document.createElement('span');
        kind.className = 'suggest-kind';
        kind.textContent = groups[s.kind] + (s.count ? ' · ' + s.count : '');
        li.appendChild(label);
        li.appendChild(kind);
        li.addEventListener('mousedown', function (e) { e.preventDefault(); window.location.href = s.href; });
        list.appendChild(li);
        options.push({ el: li, href: s.href });
      });
      list.hidden = options.length === 0;
      input.setAttribute('aria-expanded', options.length ? 'true' : 'false');
      active = -1;
    }

    function ask() {
      var q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q) { close(); return; }
      fetch('/api/v1/suggest?q=' + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) { if (input.value.trim() === q) show(body.suggestions); })
        .catch(function () { close(); });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown' && options.length) {
        e.preventDefault();
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
        mark((active + 1) % options.length);
      } else if (e.key === 'ArrowUp' && options.length) {
        e.preventDefault();
        mark(active <= 0 ? options.length - 1 : active - 1);
      } else if (e.key === 'Enter' && active >= 0 && !list.hidden) {
        e.preventDefault();
        window.location.href = options[active].href;
      } else if (e.key === 'Escape' && !list.hidden) {
        // Close the list and keep the text (a second Escape clears the box, as usual).
        e.preventDefault();
        close();
      }
    });
    input.addEventListener('blur', function () { setTimeout(close, 150); });
  }

  var n = 0;
  document.querySelectorAll('input[type=search][name=q]').forEach(function (input) { attach(input, n++); });
})();
