// FAKES OF TWO CLOUD IMAGE APIS for the browser tests (the real ones cannot be reached from
// here), on one port:
// - Stability AI: POST /v2beta/stable-image/generate/sd3 with a multipart form and
//   `Accept: image/*` answers with a PNG and a `finish-reason` header, like the real endpoint; a
//   prompt containing "forbidden" comes back grey with `finish-reason: CONTENT_FILTERED`; "no
//   credits" gets the real 402 error body.
// - OpenAI Images (also what OpenAI-compatible image servers speak): POST /v1/images/generations
//   with JSON answers `{"data": [{"b64_json": ...}]}`; "forbidden" gets the real
//   content_policy_violation error.
// The picture is a gradient whose colours come from the prompt and seed.
import http from 'node:http';
import zlib from 'node:zlib';

const port = Number(process.env.FAKE_STABILITY_PORT ?? 3301);

function png(width, height, pixel) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set(pixel(x, y), 1 + x * 3);
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function fields(contentType, body) {
  const boundary = /boundary=(.+)$/.exec(contentType ?? '')?.[1];
  if (!boundary) return {};
  const out = {};
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const m = /name="([^"]+)"\r\n\r\n([\s\S]*)\r\n$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/images/generations') {
        let body = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = {};
        }
        const prompt = String(body.prompt ?? '');
        if (prompt.includes('forbidden')) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({
            error: { message: 'Your request was rejected as a result of our safety system.', type: 'image_generation_user_error', param: null, code: 'content_policy_violation' },
          }));
          return;
        }
        let hash = Number(body.seed ?? 7);
        for (const c of prompt) hash = (hash * 17 + c.charCodeAt(0)) >>> 0;
        const image = png(128, 128, (x, y) => [(hash + y) & 0xff, (x * 2) & 0xff, (hash >> 8) & 0xff]);
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ created: Math.floor(Date.now() / 1000), data: [{ b64_json: image.toString('base64') }] }));
        }, 300);
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v2beta/stable-image/generate/sd3') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":["not found"]}');
        return;
      }
      const form = fields(req.headers['content-type'], Buffer.concat(chunks));
      const error = (status, name, message) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'fake', name, errors: [message] }));
      if (req.headers.accept !== 'image/*') return error(400, 'bad_request', 'accept must be image/* or application/json');
      if (req.headers.authorization !== 'Bearer sk-e2e-stability') return error(401, 'unauthorized', 'invalid API key');
      if (!form.prompt) return error(400, 'bad_request', 'prompt: required');
      if (form.prompt.includes('no credits')) return error(402, 'payment_required', 'lack of balance');
      let hash = Number(form.seed ?? 0);
      for (const c of form.prompt) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
      const filtered = form.prompt.includes('forbidden');
      const [a, b] = [hash & 0xff, (hash >> 8) & 0xff];
      const image = png(128, 128, (x, y) => (filtered ? [128, 128, 128] : [(a + x) & 0xff, (b + y) & 0xff, (x + y + a) & 0xff]));
      // Like the real service, an image takes a moment.
      setTimeout(() => {
        res.writeHead(200, {
          'content-type': 'image/png',
          'finish-reason': filtered ? 'CONTENT_FILTERED' : 'SUCCESS',
          seed: String(form.seed ?? 0),
        });
        res.end(image);
      }, 400);
    });
  })
  .listen(port, '127.0.0.1');
