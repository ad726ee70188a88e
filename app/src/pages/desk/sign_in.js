// The desk's sign-in page in the browser. For a visitor without a session the desk is the
// server's document, with no WebAssembly (`page_kind`): this script signs in, or opens the demo
// desk, through the desk's API, then loads /desk again, which the server now serves as the app.
// Until it runs, the buttons stay disabled, so the browser never submits the form its own way.
(function () {
  'use strict';
  var UNREACHABLE = 'The server could not be reached; check your connection and try again.';

  // The sentence of an error answer (`{"error": {"message"}}`, the server's one error shape).
  function sentence(status, text) {
    try {
      var body = JSON.parse(text);
      if (body && body.error && typeof body.error.message === 'string') return body.error.message;
    } catch (_) {
      // Not JSON: say what the status was.
    }
    return 'The server answered ' + status + '.';
  }

  // POSTs `body` (JSON, or nothing) and resolves to null when it was accepted, else to the
  // sentence to show.
  function post(url, body) {
    var init = { method: 'POST', credentials: 'same-origin' };
    if (body) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(
      function (response) {
        if (response.ok) return null;
        return response.text().then(
          function (text) { return sentence(response.status, text); },
          function () { return sentence(response.status, ''); }
        );
      },
      function () { return UNREACHABLE; }
    );
  }

  // Runs one action of `card` behind `button`: busy while it is in flight, the answer's sentence
  // in the card's alert when refused, the desk itself when accepted.
  function act(card, button, busyLabel, request) {
    if (button.getAttribute('aria-disabled') === 'true') return;
    var idle = button.textContent;
    var alert = card.querySelector('[role=alert]');
    button.setAttribute('aria-disabled', 'true');
    button.textContent = busyLabel;
    alert.hidden = true;
    request().then(function (problem) {
      if (problem === null) {
        // Signed in: the server now answers /desk with the app.
        location.reload();
        return;
      }
      alert.textContent = problem;
      alert.hidden = false;
      button.removeAttribute('aria-disabled');
      button.textContent = idle;
    });
  }

  var form = document.querySelector('[data-testid=sign-in]');
  if (form) {
    var submit = form.querySelector('button[type=submit]');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      act(form, submit, 'Signing in…', function () {
        return post(form.getAttribute('data-api'), {
          email: form.elements.namedItem('email').value,
          password: form.elements.namedItem('password').value
        });
      });
    });
    submit.disabled = false;
  }

  var demo = document.querySelector('[data-testid=try-desk]');
  if (demo) {
    var open = demo.querySelector('[data-testid=try-desk-button]');
    open.addEventListener('click', function () {
      act(demo, open, 'Opening…', function () { return post(demo.getAttribute('data-api'), null); });
    });
    open.disabled = false;
  }

  document.documentElement.setAttribute('data-enhanced', 'true');
})();
