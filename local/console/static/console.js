// Live updates without inline script: while the page's #live section says data-running="true", fetch the same
// page every 2 s and swap the section in, keeping open <details> open. Without JavaScript the page still works
// (reload it by hand).
(function () {
  'use strict';
  var INTERVAL_MS = 2000;

  function openDetails(root) {
    return Array.prototype.map.call(root.querySelectorAll('details[open][id]'), function (d) {
      return d.id;
    });
  }

  function tick() {
    var live = document.getElementById('live');
    if (!live || live.getAttribute('data-running') !== 'true') return;
    fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.text() : Promise.reject(new Error('HTTP ' + res.status));
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('live');
        var current = document.getElementById('live');
        if (!fresh || !current) return;
        var open = openDetails(current);
        var adopted = document.importNode(fresh, true);
        open.forEach(function (id) {
          var d = adopted.querySelector('#' + CSS.escape(id));
          if (d) d.open = true;
        });
        var note = adopted.querySelector('.updated');
        if (note) note.textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
        // graph.js keeps each graph's zoom and scroll across the swap (it listens to these two events).
        document.dispatchEvent(new CustomEvent('live:replacing'));
        current.replaceWith(adopted);
        document.dispatchEvent(new CustomEvent('live:replaced'));
      })
      .catch(function () {
        // The stack may be restarting: try again at the next tick.
      })
      .then(function () {
        setTimeout(tick, INTERVAL_MS);
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    setTimeout(tick, INTERVAL_MS);
  });
})();
