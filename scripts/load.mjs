// Bounded load against a running server on 127.0.0.1: streaming support chats (each read to its
// `done` event), optional streaming pirate chats (the embedded model), image classifier uploads
// and page fetches, all at once for LOAD_SECONDS. Prints requests, errors and p50/p99 per kind, and the server's RSS
// (sampled every second from /proc/PID/status) at the start, the peak and the end; with
// LOAD_SOAK=1 it also prints the RSS once a minute.
//
// Several instances: LOAD_BASE and LOAD_PID take comma-separated lists; every request goes to
// the next instance in turn (a port-splitting client: one conversation's turns land on
// different instances), RSS is printed per instance, and with LOAD_HANDOFF=1 (and
// LOAD_ADMIN_EMAIL / LOAD_ADMIN_PASSWORD) one client measures the handoff round trip across
// instances: a staff reply posted on the last instance, read from the customer's live stream
// on the first.
//
//   node scripts/load.mjs    (env: LOAD_BASE, LOAD_PID, LOAD_SECONDS, LOAD_SUPPORT_CHATS,
//                             LOAD_PIRATE_CHATS, LOAD_CLASSIFIER_CLIENTS, LOAD_GPT_CLIENTS, LOAD_PAGE_CLIENTS,
//                             LOAD_PAGES (comma-separated paths), LOAD_SOAK, LOAD_HANDOFF)
import { readFileSync } from 'node:fs';

const bases = (process.env.LOAD_BASE ?? 'http://127.0.0.1:3400').split(',');
const pids = (process.env.LOAD_PID ?? '').split(',').filter(Boolean);
let turnOfBase = 0;
// The next instance in turn.
function pick() {
  turnOfBase += 1;
  return bases[turnOfBase % bases.length];
}
const base = bases[0];
const handoff = process.env.LOAD_HANDOFF === '1';
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const supportChats = Number(process.env.LOAD_SUPPORT_CHATS ?? 16);
const pirateChats = Number(process.env.LOAD_PIRATE_CHATS ?? 2);
const classifierClients = Number(process.env.LOAD_CLASSIFIER_CLIENTS ?? 2);
const gptClients = Number(process.env.LOAD_GPT_CLIENTS ?? 2);
const pageClients = Number(process.env.LOAD_PAGE_CLIENTS ?? 4);
const soak = process.env.LOAD_SOAK === '1';
const deadline = Date.now() + seconds * 1000;

const stats = new Map();
function record(kind, ms, ok, detail) {
  const s = stats.get(kind) ?? { times: [], errors: 0, details: new Map() };
  if (ok) s.times.push(ms);
  else {
    s.errors += 1;
    s.details.set(detail, (s.details.get(detail) ?? 0) + 1);
  }
  stats.set(kind, s);
}

function rssKib(pid) {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const supportMessages = [
  'Where is order 1013? My email is lucas.rossi@example.com',
  'What is your return policy for monitors?',
  'Do you have noise cancelling headphones under $300?',
  'How much is shipping for the Vista 27 monitor to 60601?',
  'Is the Vortex gaming headset in stock?',
  'Which payment methods do you accept?',
];

// Reads an event stream to its end; true when a `done` event arrived.
async function stream(url, body, cookie) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) return { ok: false, detail: `HTTP ${response.status}` };
  const setCookie = response.headers.get('set-cookie')?.split(';')[0];
  const text = await response.text();
  if (text.includes('event: error')) return { ok: false, detail: 'error event' };
  return { ok: text.includes('event: done'), detail: 'no done event', cookie: setCookie };
}

async function supportClient(n) {
  let cookie;
  let turn = 0;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const r = await stream(`${pick()}/api/support/chat`, { message: supportMessages[(n + turn) % supportMessages.length] }, cookie);
      cookie = r.cookie ?? cookie;
      record('support chat turn (SSE to done)', performance.now() - started, r.ok, r.detail);
    } catch (e) {
      record('support chat turn (SSE to done)', 0, false, String(e.cause?.code ?? e.message));
    }
    turn += 1;
    // A new conversation now and then, like new visitors.
    if (turn % 6 === 0) cookie = undefined;
  }
}

async function pirateClient() {
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const r = await stream(`${pick()}/api/pirate/chat`, { message: 'Say hello in five words.', temperature: 0.7 });
      record('pirate chat reply (embedded model, SSE to done)', performance.now() - started, r.ok, r.detail);
    } catch (e) {
      record('pirate chat reply (embedded model, SSE to done)', 0, false, String(e.cause?.code ?? e.message));
    }
  }
}

// Streams 200 characters from the Custom GPT, a new seed each time.
async function gptClient(n) {
  let seed = n * 1000;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      seed += 1;
      const r = await stream(`${pick()}/api/gpt/generate/stream`, { model: 'shakespeare', seed, max_tokens: 200, context: 'ROMEO:' });
      record('custom GPT 200 characters (SSE to done)', performance.now() - started, r.ok, r.detail);
    } catch (e) {
      record('custom GPT 200 characters (SSE to done)', 0, false, String(e.cause?.code ?? e.message));
    }
  }
}

// Uploads a drawn sample picture (as the page's sample buttons do) to the classifier.
async function classifierClient() {
  let picture;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      picture ??= await (await fetch(`${base}/api/classifier/samples/superman-emblem.png`)).blob();
      const form = new FormData();
      form.append('file', picture, 'emblem.png');
      const response = await fetch(`${pick()}/api/classifier/predict`, { method: 'POST', body: form });
      const answer = await response.json();
      const ok = response.ok && typeof answer.predicted_class === 'string';
      record('classifier upload (EfficientNet-Lite0)', performance.now() - started, ok, `HTTP ${response.status}`);
    } catch (e) {
      record('classifier upload (EfficientNet-Lite0)', 0, false, String(e.cause?.code ?? e.message));
    }
  }
}

async function pageClient(n) {
  const paths = process.env.LOAD_PAGES?.split(',') ?? ['/', '/data?tab=orders', '/support', '/data?tab=knowledge&q=return', '/classifier'];
  let i = n;
  while (Date.now() < deadline) {
    const path = paths[i % paths.length];
    i += 1;
    const started = performance.now();
    try {
      const response = await fetch(`${pick()}${path}`);
      await response.text();
      record(`GET ${path}`, performance.now() - started, response.ok, `HTTP ${response.status}`);
    } catch (e) {
      record(`GET ${path}`, 0, false, String(e.cause?.code ?? e.message));
    }
  }
}

// The handoff round trip across instances: the customer's chat and live stream on the first
// instance, the staff member on the last; each reply is timed from its POST to its arrival in
// the customer's stream.
async function handoffClient() {
  const [customerBase, staffBase] = [bases[0], bases[bases.length - 1]];
  const kind = `handoff round trip (reply on ${new URL(staffBase).port}, read on ${new URL(customerBase).port})`;
  try {
    const first = await stream(`${customerBase}/api/support/chat`, { message: 'I need help with order 1013, lucas.rossi@example.com' });
    const customer = first.cookie;
    const session = customer.split('=')[1];
    const login = await fetch(`${staffBase}/api/desk/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: process.env.LOAD_ADMIN_EMAIL, password: process.env.LOAD_ADMIN_PASSWORD }),
    });
    if (!login.ok) throw new Error(`staff sign-in: HTTP ${login.status}`);
    const staff = login.headers.get('set-cookie').split(';')[0];
    const events = await fetch(`${customerBase}/api/support/events`, { headers: { cookie: customer } });
    const reader = events.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const next = async (name) => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.split('\n').includes(`event: ${name}`)) return event;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the live stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    };
    await next('hello');
    const act = (action, body) =>
      fetch(`${staffBase}/api/desk/conversations/${session}/${action}`, {
        method: 'POST',
        headers: { cookie: staff, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
    if (!(await act('claim')).ok) throw new Error('claim refused');
    await next('claimed');
    let n = 0;
    while (Date.now() < deadline) {
      n += 1;
      const started = performance.now();
      const sent = await act('reply', { text: `Reply ${n}` });
      if (!sent.ok) {
        record(kind, 0, false, `HTTP ${sent.status}`);
        continue;
      }
      await next('message');
      record(kind, performance.now() - started, true);
      await new Promise((r) => setTimeout(r, 250));
    }
    reader.cancel();
  } catch (e) {
    record(kind, 0, false, String(e.message));
  }
}

function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
}

const rssStart = pids.map(rssKib);
const rssPeak = [...rssStart];
const sampler = setInterval(() => {
  pids.forEach((pid, i) => {
    rssPeak[i] = Math.max(rssPeak[i], rssKib(pid));
  });
}, 1000);
const minutes = soak
  ? setInterval(() => console.log(`rss_kib ${pids.map(rssKib).join(' ')} at ${Math.round((seconds * 1000 - (deadline - Date.now())) / 60000)} min`), 60_000)
  : null;

console.log(
  `load: ${seconds}s, ${supportChats} support chats, ${pirateChats} pirate chats, ${classifierClients} classifier clients, ${gptClients} GPT clients, ${pageClients} page clients${handoff ? ', a handoff client' : ''}, against ${bases.join(' and ')}`,
);
await Promise.all([
  ...(handoff ? [handoffClient()] : []),
  ...Array.from({ length: supportChats }, (_, n) => supportClient(n)),
  ...Array.from({ length: pirateChats }, () => pirateClient()),
  ...Array.from({ length: classifierClients }, () => classifierClient()),
  ...Array.from({ length: gptClients }, (_, n) => gptClient(n)),
  ...Array.from({ length: pageClients }, (_, n) => pageClient(n)),
]);
clearInterval(sampler);
if (minutes) clearInterval(minutes);

let totalErrors = 0;
for (const [kind, s] of [...stats.entries()].sort()) {
  const sorted = s.times.sort((a, b) => a - b);
  totalErrors += s.errors;
  const details = [...s.details.entries()].map(([d, c]) => `${d} x${c}`).join(', ');
  console.log(
    `${kind.padEnd(50)} ok ${String(sorted.length).padStart(6)}  errors ${String(s.errors).padStart(4)}  p50 ${pct(sorted, 0.5).toFixed(1).padStart(8)} ms  p99 ${pct(sorted, 0.99).toFixed(1).padStart(8)} ms${details ? `  (${details})` : ''}`,
  );
}
pids.forEach((pid, i) => {
  console.log(`rss_kib ${bases[i] ?? pid}: start ${rssStart[i]}  peak ${rssPeak[i]}  end ${rssKib(pid)}`);
});
console.log(`errors_total ${totalErrors}`);
process.exit(totalErrors === 0 ? 0 : 1);
