// A team's webhook endpoint for the browser tests (not a fake of a cloud API: the receiver a
// support team would run). It checks every alert's signature as a receiver should, the
// HMAC-SHA256 of "<X-Signature-Timestamp>.<body>" under the shared secret, and lists what it
// received at GET /received.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

const port = Number(process.env.WEBHOOK_RECEIVER_PORT ?? 3302);
const secret = process.env.WEBHOOK_SECRET ?? '';
const received = [];

function signed(timestamp, body, signature) {
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(String(signature ?? ''));
  return a.length === b.length && timingSafeEqual(a, b);
}

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/received') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(received));
    return;
  }
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200);
    res.end('ok');
    return;
  }
  if (req.method !== 'POST' || req.url !== '/hook') {
    res.writeHead(404);
    res.end();
    return;
  }
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    const timestamp = req.headers['x-signature-timestamp'];
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
    const valid = signed(timestamp, body, req.headers['x-signature-256']) && fresh;
    let json = null;
    try { json = JSON.parse(body); } catch { json = null; }
    received.push({ event: req.headers['x-alert-event'], delivery: req.headers['x-delivery-id'], valid, body: json, at: Date.now() });
    res.writeHead(valid ? 204 : 401);
    res.end();
  });
}).listen(port, '127.0.0.1');
