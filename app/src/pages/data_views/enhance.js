// Data Views in the browser. The page is the server's document (no WebAssembly): its tabs, sort
// headers and pager are links and its controls a GET form, which all work without this script.
// With it, the page behaves like an app: typing searches after a short pause, a select applies
// at once, and links and the form fetch the next view's document from the server and swap in
// the parts that changed (`data-view-part`), keeping the focus, with the address bar and
// Back/Forward following. Anything unexpected (an error, a page without the parts) falls back
// to loading the address normally, so nothing is ever stuck.
(function () {
  'use strict';
  var ALL = ['tabs', 'controls', 'results'];
  var SEARCH_PAUSE_MS = 250;
  var sequence = 0;
  var inFlight = null;
  var timer = 0;
  // The address of the view on screen (path and query).
  var shown = location.pathname + location.search;

  function root() {
    return document.querySelector('[data-view-root]');
  }

  function inRoot(node) {
    var r = root();
    return !!r && r.contains(node);
  }

  function setBusy(busy) {
    var results = document.querySelector('[data-view-part=results]');
    if (!results) return;
    results.setAttribute('aria-busy', busy ? 'true' : 'false');
    var bar = results.querySelector('[data-testid=loading-bar]');
    if (bar) bar.classList.toggle('invisible', !busy);
  }

  // The form's view as an address: its fields without the empty ones (the server fills in
  // defaults and answers with the canonical address in `data-href`).
  function formAddress(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value !== 'string') return;
      var text = key === 'q' ? value.trim() : value;
      if (text !== '') params.append(key, text);
    });
    var query = params.toString();
    return '/data' + (query ? '?' + query : '');
  }

  // Replaces the named parts of the view on screen with those of `next`, and puts the focus
  // back on the same control if the swap took it away.
  function swap(next, parts) {
    var current = root();
    var active = document.activeElement;
    var focused = active && current.contains(active) ? active.getAttribute('data-testid') : null;
    parts.forEach(function (name) {
      var selector = '[data-view-part=' + name + ']';
      var from = current.querySelector(selector);
      var to = next.querySelector(selector);
      if (from && to) from.replaceWith(document.importNode(to, true));
    });
    current.setAttribute('data-href', next.getAttribute('data-href') || '');
    if (focused && !current.contains(document.activeElement)) {
      var again = current.querySelector('[data-testid="' + focused + '"]');
      if (again) {
        again.focus();
        // A text box gets its caret back at the end of what was typed.
        if (again instanceof HTMLInputElement && again.type === 'search') {
          again.setSelectionRange(again.value.length, again.value.length);
        }
      }
    }
  }

  // Shows the view at `address`. `mode`: 'push' (a new history entry), 'replace' (typing) or
  // 'pop' (Back/Forward, the address bar already moved).
  function go(address, mode, parts) {
    var mine = ++sequence;
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    setBusy(true);
    fetch(address, { headers: { Accept: 'text/html' }, signal: inFlight.signal })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        if (mine !== sequence) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var next = doc.querySelector('[data-view-root]');
        if (!next || !root()) throw new Error('not a Data Views page');
        var canonical = next.getAttribute('data-href') || address;
        // The same view again (the current tab, the same search) adds no history entry.
        var same = canonical === location.pathname + location.search;
        if (mode === 'push' && !same) history.pushState(null, '', canonical);
        else if (mode !== 'pop') history.replaceState(null, '', canonical);
        shown = location.pathname + location.search;
        swap(next, parts);
        if (doc.title) document.title = doc.title;
        setBusy(false);
      })
      .catch(function (error) {
        if (mine !== sequence || (error && error.name === 'AbortError')) return;
        if (mode === 'push') location.assign(address);
        else location.replace(address);
      });
  }

  // An order's lines, shown or hidden by its button.
  function toggleLines(button) {
    var open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    var arrow = button.querySelector('span');
    if (arrow) arrow.classList.toggle('rotate-90', open);
    var lines = document.getElementById(button.getAttribute('aria-controls') || '');
    if (lines) lines.classList.toggle('hidden', !open);
  }

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target || !inRoot(target)) return;
    var toggle = target.closest('[data-toggles-lines]');
    if (toggle) {
      toggleLines(toggle);
      return;
    }
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = target.closest('a[href]');
    if (!link || link.hasAttribute('download') || link.target) return;
    if (/\bexternal\b/.test(link.getAttribute('rel') || '')) return;
    var url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname !== '/data') return;
    event.preventDefault();
    clearTimeout(timer);
    go(url.pathname + url.search, 'push', ALL);
  });

  document.addEventListener('input', function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== 'q' || !input.form) return;
    // The store's tables' search box (the knowledge base's searches when submitted).
    if (!inRoot(input) || !input.closest('[data-view-part=controls]')) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      var address = formAddress(input.form);
      var now = new URL(shown, location.href).searchParams.get('q') || '';
      if (input.value.trim() === now.trim()) return;
      // Only the results change: the search box keeps its text, caret and focus.
      go(address, 'replace', ['results']);
    }, SEARCH_PAUSE_MS);
  });

  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.form || !inRoot(select)) return;
    clearTimeout(timer);
    go(formAddress(select.form), 'push', ALL);
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !inRoot(form)) return;
    event.preventDefault();
    clearTimeout(timer);
    go(formAddress(form), 'push', ALL);
  });

  window.addEventListener('popstate', function () {
    var address = location.pathname + location.search;
    if (address === shown) return; // only the fragment changed (the skip link)
    clearTimeout(timer);
    go(address, 'pop', ALL);
  });

  // Browser tests wait on this, as they wait on `data-hydrated` on the other pages.
  document.documentElement.setAttribute('data-enhanced', 'true');
})();
