// A stand-in for a browser's push service, for the Web Push test (nothing
// leaves this machine): POST /browsers makes a "browser" — its own P-256 key
// pair and auth secret — and answers the subscription a browser would hand to
// Parlor; POST /push/:id takes Parlor's pushes the way a push service does:
// it verifies the VAPID signature (ES256, aud = this origin, exp within 24 h)
// against the key in the Authorization header, decrypts the body as the
// browser would (RFC 8291 aes128gcm) and keeps the JSON;
// GET /browsers/:id/pushes lists what arrived, GET /browsers/:id/bad what
// failed a check.
import { createECDH, createPublicKey, hkdfSync, createDecipheriv, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PARLOR_E2E_PUSH_PORT ?? 3197);
const browsers = new Map();

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

function decrypt(browser, body) {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const serverKey = body.subarray(21, 21 + idLength);
  const sealed = body.subarray(21 + idLength);
  const shared = browser.ecdh.computeSecret(serverKey);
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), browser.ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, browser.auth, info, 32));
  const key = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const padded = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return JSON.parse(padded.subarray(0, end).toString('utf8'));
}

function checkVapid(header, origin) {
  const match = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header ?? '');
  if (!match) throw new Error(`not a vapid Authorization: ${header}`);
  const [token, key] = [match[1], match[2].trim()];
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) },
    format: 'jwk',
  });
  const [head, claims, signature] = token.split('.');
  const signed = verify('sha256', Buffer.from(`${head}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!signed) throw new Error('the JWT does not verify');
  const said = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
  if (said.aud !== origin) throw new Error(`aud ${said.aud} is not ${origin}`);
  if (!(said.exp > Date.now() / 1000 && said.exp <= Date.now() / 1000 + 24 * 3600)) throw new Error(`exp ${said.exp}`);
  if (!/^(mailto|https):/.test(said.sub ?? '')) throw new Error(`sub ${said.sub}`);
}

function json(response, status, value) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}

createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const url = new URL(request.url, `http://127.0.0.1:${port}`);
    const parts = url.pathname.split('/').filter(Boolean);
    if (url.pathname === '/healthz') return json(response, 200, { ok: true });
    if (request.method === 'POST' && url.pathname === '/browsers') {
      const id = randomBytes(9).toString('base64url');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const browser = { ecdh, auth: randomBytes(16), pushes: [], bad: [] };
      browsers.set(id, browser);
      return json(response, 201, {
        id,
        endpoint: `http://127.0.0.1:${port}/push/${id}`,
        keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(browser.auth) },
      });
    }
    const browser = browsers.get(parts[1]);
    if (!browser) return json(response, 404, { error: 'no such browser' });
    if (request.method === 'POST' && parts[0] === 'push') {
      try {
        if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
        checkVapid(request.headers.authorization, `http://127.0.0.1:${port}`);
        browser.pushes.push(decrypt(browser, Buffer.concat(chunks)));
        response.writeHead(201);
        return response.end();
      } catch (err) {
        browser.bad.push(String(err.message ?? err));
        return json(response, 400, { error: String(err.message ?? err) });
      }
    }
    if (request.method === 'GET' && parts[2] === 'pushes') return json(response, 200, browser.pushes);
    if (request.method === 'GET' && parts[2] === 'bad') return json(response, 200, browser.bad);
    return json(response, 404, { error: 'not found' });
  });
}).listen(port, '127.0.0.1');
