// Live progress on a post's page: polls the JSON endpoint and updates the figures. The page works without it.
(function () {
  var box = document.getElementById('progress');
  if (!box) return;
  var url = box.getAttribute('data-progress-url');
  var status = box.getAttribute('data-status');
  if (status === 'draft' || status === 'sent' || status === 'cancelled') return;
  document.documentElement.classList.add('js');
  var fmt = new Intl.NumberFormat('en-US');
  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = typeof value === 'number' ? fmt.format(value) : String(value);
    return el;
  }
  function tick() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return setTimeout(tick, 5000);
        set('settled', p.settled);
        set('total', p.total);
        set('pending', p.pending);
        set('accepted', p.accepted);
        set('delayed', p.delayed);
        var f = set('failures', p.failures);
        if (f) f.className = p.failures > 0 ? 'red' : '';
        var s = set('status', p.status);
        if (s) s.className = 'badge badge-post-' + p.status;
        var bar = box.querySelector('[data-field="bar"]');
        if (bar) { bar.value = p.percent; bar.textContent = p.percent + '%'; }
        box.setAttribute('data-status', p.status);
        // A status change (finished, paused elsewhere) changes the buttons: reload once to show them.
        if (p.status !== status) { window.location.reload(); return; }
        setTimeout(tick, 1500);
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
