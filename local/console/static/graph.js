// Pan and zoom for the state machine graphs, without inline script (the console's CSP allows only files from
// /static). The graph is drawn at its natural size inside a scrolling box (.graph-scroll); zooming sets the
// SVG's width and height (its viewBox stays), panning sets the box's scroll position. Without JavaScript the
// box still scrolls, at 100 %.
(function () {
  'use strict';
  var MIN_SCALE = 0.05;
  var MAX_SCALE = 4;
  var STEP = 1.25;
  var PAN_PX = 60;
  var DRAG_THRESHOLD_PX = 4;
  /** The node that is "current": running or waiting first, else the state the execution failed in. */
  var CURRENT = [
    'a.node[data-state-status="in-progress"]',
    'a.node[data-state-status="waiting"]',
    '.node[data-state-status="in-progress"]',
    '.node[data-state-status="waiting"]',
    'a.node[data-state-status="failed"]',
  ];

  function clamp(s) {
    return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
  }

  function Viewer(root) {
    this.root = root;
    this.box = root.querySelector('.graph-scroll');
    this.svg = this.box && this.box.querySelector('svg.graph');
    this.tools = root.querySelector('.graph-tools');
    this.zoomText = root.querySelector('.graph-zoom');
    if (!this.box || !this.svg) return;
    this.width = Number(this.svg.getAttribute('data-width')) || this.svg.viewBox.baseVal.width;
    this.height = Number(this.svg.getAttribute('data-height')) || this.svg.viewBox.baseVal.height;
    this.scale = 1;
    /** Set once the reader pans or zooms: live updates then keep their view instead of following the run. */
    this.touched = false;
    this.bind();
    if (this.tools) this.tools.hidden = false;
    // A definition (no execution) has no current state: no button that would do nothing.
    var toCurrent = root.querySelector('[data-graph-action="current"]');
    if (toCurrent) toCurrent.hidden = !this.currentNode();
    this.box.classList.add('pannable');
  }

  Viewer.prototype.setScale = function (scale, px, py) {
    var box = this.box;
    var next = clamp(scale);
    // The graph point under (px, py) (box coordinates) stays under it.
    if (px === undefined) px = box.clientWidth / 2;
    if (py === undefined) py = box.clientHeight / 2;
    var gx = (box.scrollLeft + px) / this.scale;
    var gy = (box.scrollTop + py) / this.scale;
    this.scale = next;
    this.svg.setAttribute('width', String(Math.round(this.width * next)));
    this.svg.setAttribute('height', String(Math.round(this.height * next)));
    box.scrollLeft = gx * next - px;
    box.scrollTop = gy * next - py;
    if (this.zoomText) this.zoomText.textContent = Math.round(next * 100) + '%';
    this.root.setAttribute('data-scale', String(next));
  };

  /** The largest scale (at most 100 %) at which the whole graph fits the box. */
  Viewer.prototype.fitScale = function () {
    var maxHeight = parseFloat(getComputedStyle(this.box).maxHeight);
    var availableHeight = isFinite(maxHeight) ? maxHeight : window.innerHeight * 0.75;
    // Borders and a possible scrollbar: leave a few pixels so the fitted graph needs no scrolling.
    var w = (this.box.getBoundingClientRect().width - 4) / this.width;
    var h = (availableHeight - 4) / this.height;
    return Math.min(1, w, h);
  };

  Viewer.prototype.fit = function () {
    this.setScale(this.fitScale(), 0, 0);
    this.box.scrollLeft = 0;
    this.box.scrollTop = 0;
  };

  Viewer.prototype.currentNode = function () {
    for (var i = 0; i < CURRENT.length; i++) {
      var node = this.svg.querySelector(CURRENT[i]);
      if (node) return node;
    }
    return null;
  };

  /** Scrolls the box (never the page) so the node is in the middle of it. */
  Viewer.prototype.center = function (node) {
    var rect = node && node.querySelector('rect.box, rect.frame');
    if (!rect) return false;
    var x = Number(rect.getAttribute('x'));
    var y = Number(rect.getAttribute('y'));
    var w = Number(rect.getAttribute('width'));
    var h = Number(rect.getAttribute('height'));
    var box = this.box;
    // A node taller than the box (a whole Parallel) shows its top.
    var top =
      h * this.scale > box.clientHeight
        ? y * this.scale - 8
        : (y + h / 2) * this.scale - box.clientHeight / 2;
    box.scrollLeft = (x + w / 2) * this.scale - box.clientWidth / 2;
    box.scrollTop = top;
    return true;
  };

  Viewer.prototype.act = function (action) {
    var s = this.scale;
    if (action === 'zoom-in') this.setScale(s * STEP);
    else if (action === 'zoom-out') this.setScale(s / STEP);
    else if (action === 'actual') this.setScale(1);
    else if (action === 'fit') this.fit();
    else if (action === 'current') this.center(this.currentNode());
    this.touched = true;
  };

  Viewer.prototype.bind = function () {
    var box = this.box;
    if (this.tools)
      this.tools.addEventListener('click', (e) => {
        var button = e.target.closest('button[data-graph-action]');
        if (button) this.act(button.getAttribute('data-graph-action'));
      });

    box.addEventListener('keydown', (e) => {
      if (e.target !== box || e.ctrlKey || e.metaKey || e.altKey) return;
      var pan = {
        ArrowLeft: [-PAN_PX, 0],
        ArrowRight: [PAN_PX, 0],
        ArrowUp: [0, -PAN_PX],
        ArrowDown: [0, PAN_PX],
      }[e.key];
      if (pan) {
        box.scrollLeft += pan[0];
        box.scrollTop += pan[1];
        this.touched = true;
      } else if (e.key === '+' || e.key === '=') this.act('zoom-in');
      else if (e.key === '-' || e.key === '_') this.act('zoom-out');
      else if (e.key === '0') this.act('actual');
      else if (e.key === 'f' || e.key === 'F') this.act('fit');
      else if (e.key === 'c' || e.key === 'C') this.act('current');
      else return;
      e.preventDefault();
    });

    // The wheel zooms around the pointer; a sideways swipe (trackpad) and Shift+wheel still scroll.
    box.addEventListener(
      'wheel',
      (e) => {
        if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
        e.preventDefault();
        var unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? box.clientHeight : 1;
        var r = box.getBoundingClientRect();
        this.setScale(this.scale * Math.exp(-e.deltaY * unit * 0.002), e.clientX - r.left, e.clientY - r.top);
        this.touched = true;
      },
      { passive: false },
    );

    // Drag to pan. The pointer is captured only once it has moved, so a click on a state still follows its link.
    var drag = null;
    box.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || e.pointerType === 'touch') return;
      drag = {
        id: e.pointerId,
        x: e.clientX,
        y: e.clientY,
        left: box.scrollLeft,
        top: box.scrollTop,
        moved: false,
      };
    });
    box.addEventListener('pointermove', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      var dx = e.clientX - drag.x;
      var dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < DRAG_THRESHOLD_PX) return;
      if (!drag.moved) {
        drag.moved = true;
        box.setPointerCapture(e.pointerId);
        box.classList.add('dragging');
      }
      box.scrollLeft = drag.left - dx;
      box.scrollTop = drag.top - dy;
      this.touched = true;
    });
    var end = (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      var moved = drag.moved;
      drag = null;
      box.classList.remove('dragging');
      if (!moved) return;
      // The click that ends a drag is not a click on the state under the pointer (it comes right after
      // pointerup, before any timer; a drag released outside the box has no click, so the guard expires).
      var swallow = (c) => {
        c.preventDefault();
        c.stopPropagation();
      };
      box.addEventListener('click', swallow, { capture: true, once: true });
      setTimeout(() => {
        box.removeEventListener('click', swallow, { capture: true });
      }, 0);
    };
    box.addEventListener('pointerup', end);
    box.addEventListener('pointercancel', end);
  };

  Viewer.prototype.view = function () {
    var current = this.currentNode();
    return {
      scale: this.scale,
      left: this.box.scrollLeft,
      top: this.box.scrollTop,
      touched: this.touched,
      focused: document.activeElement === this.box,
      current: current ? current.getAttribute('data-state') : null,
    };
  };

  Viewer.prototype.restore = function (view) {
    if (view.focused) this.box.focus({ preventScroll: true });
    if (!view.touched) {
      // Not moved by the reader: keep following the execution.
      var current = this.currentNode();
      this.setScale(view.scale, 0, 0);
      if (!(current && current.getAttribute('data-state') !== view.current && this.center(current))) {
        this.box.scrollLeft = view.left;
        this.box.scrollTop = view.top;
      }
      return;
    }
    this.touched = true;
    this.setScale(view.scale, 0, 0);
    this.box.scrollLeft = view.left;
    this.box.scrollTop = view.top;
  };

  function viewers() {
    return Array.prototype.map.call(document.querySelectorAll('[data-graph-viewer]'), function (root) {
      if (!root.graphViewer) root.graphViewer = new Viewer(root);
      return root.graphViewer;
    });
  }

  var saved = [];
  // console.js swaps the live section every 2 s: keep each graph's zoom, scroll and focus across the swap.
  document.addEventListener('live:replacing', function () {
    saved = viewers()
      .filter(function (v) {
        return v.box;
      })
      .map(function (v) {
        return v.view();
      });
  });
  document.addEventListener('live:replaced', function () {
    viewers()
      .filter(function (v) {
        return v.box;
      })
      .forEach(function (v, i) {
        if (saved[i]) v.restore(saved[i]);
      });
    saved = [];
  });

  document.addEventListener('DOMContentLoaded', function () {
    viewers().forEach(function (v) {
      if (v.box) v.center(v.currentNode());
    });
  });
})();
