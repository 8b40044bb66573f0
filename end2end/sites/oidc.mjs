// A stand-in OpenID provider for the single sign-on spec, on 127.0.0.1:
// discovery, an ES256 key set, an authorization endpoint that signs in one
// test person at once (checking the client, the PKCE S256 challenge and the
// nonce it must echo), and a token endpoint that checks the client's
// credentials, the code (once) and the PKCE verifier, and answers a signed ID
// token. Nothing leaves this machine.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PARLOR_E2E_OIDC_PORT ?? 3195);
const issuer = `http://127.0.0.1:${port}`;
const clientId = 'parlor-e2e';
const clientSecret = 'e2e-secret';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'e2e-key', use: 'sig', alg: 'ES256' };
const grants = new Map();

const b64url = (data) => Buffer.from(data).toString('base64url');

function idToken(claims) {
  const head = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: jwk.kid }));
  const body = b64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${b64url(signature)}`;
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/healthz') return json(res, 200, { ok: true });
  if (url.pathname === '/.well-known/openid-configuration') {
    return json(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    });
  }
  if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
  if (url.pathname === '/authorize') {
    const q = url.searchParams;
    if (q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256' || !q.get('nonce')) {
      return json(res, 400, { error: 'invalid_request' });
    }
    const code = randomBytes(16).toString('hex');
    grants.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
    res.writeHead(302, { location: `${q.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(q.get('state'))}` });
    return res.end();
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const form = await readBody(req);
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    const [id, secret] = basic.split(':').map(decodeURIComponent);
    const grant = grants.get(form.get('code'));
    grants.delete(form.get('code'));
    const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
    if (id !== clientId || secret !== clientSecret || !grant || grant.challenge !== challenge || grant.redirect !== form.get('redirect_uri')) {
      return json(res, 400, { error: 'invalid_grant' });
    }
    const now = Math.floor(Date.now() / 1000);
    return json(res, 200, {
      access_token: randomBytes(16).toString('hex'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken({
        iss: issuer, sub: 'e2e-person-1', aud: clientId, iat: now, exp: now + 300, nonce: grant.nonce,
        preferred_username: 'sso-person', email: 'sso-person@example.test', name: 'Sam Single',
      }),
    });
  }
  json(res, 404, { error: 'not_found' });
}).listen(port, '127.0.0.1');
