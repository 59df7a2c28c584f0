// Progress for CSV imports. Without this script the form posts normally and the status page refreshes itself.
(function () {
  'use strict';
  var form = document.querySelector('form[data-import]');
  if (form && window.FormData && window.XMLHttpRequest) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var block = form.querySelector('[data-progress]');
      var bar = block.querySelector('progress');
      var label = block.querySelector('[data-progress-label]');
      var button = form.querySelector('button[type=submit]');
      block.hidden = false;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        if (xhr.status === 202) {
          var res = JSON.parse(xhr.responseText);
          label.textContent = 'Uploaded; importing…';
          window.location.assign(res.url);
        } else {
          // A refusal page (bad file, expired form): show it as the server rendered it.
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      };
      xhr.onerror = function () {
        label.textContent = 'The upload failed. Check your connection and try again.';
        button.disabled = false;
      };
      xhr.send(new FormData(form));
    });
  }

  var status = document.querySelector('[data-import-status][data-running]');
  if (status) {
    // Smoother than the page's Refresh header: update the bar in place, reload once when finished.
    var bar2 = status.querySelector('progress');
    var label2 = status.querySelector('[data-progress-label]');
    var url = status.getAttribute('data-import-status');
    var poll = function () {
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state !== 'running') { window.location.reload(); return; }
          var pct = s.toInsert > 0 ? Math.floor((s.done / s.toInsert) * 100) : 0;
          bar2.value = pct;
          bar2.textContent = pct + '%';
          label2.textContent = s.done.toLocaleString() + ' of ' + s.toInsert.toLocaleString() + ' rows written';
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
})();
