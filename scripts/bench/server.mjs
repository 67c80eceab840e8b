// The loopback server of `npm run bench`, in a process of its own: a keep-alive node:http server that answers
// /users/me and /users/auth like the console (fixed bodies, no work), and prints its port.
import { createServer } from 'node:http';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (type) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ type, exp: 4102444800, jti: type })}.c2lnbmF0dXJl`;
const user = { id: 1, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', company: 'Example Corp', role: 'admin', api_key: 'bench-key-0123456789', isActive: true, company_license_exists: true };
const me = JSON.stringify({ data: user, error: null, success: true });
const auth = JSON.stringify({ data: { access_token: token('access'), refresh_token: token('refresh') }, error: null, success: true });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.url.endsWith('/users/auth') ? auth : me;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => server.close(() => process.exit(0)));
