// The benchmarks' HTTP load generator: node:http on keep-alive sockets (a third of fetch()'s CPU
// per request on the reference machine, so the machine measures the server, not the client).
import { Agent, request } from 'node:http';

/** `call(port, method, path, body)` to 127.0.0.1, answering { status, body (parsed JSON), bytes }; `destroy()` closes the sockets. */
export function httpClient(maxSockets) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const call = (port, method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null, bytes: text.length });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { call, destroy: () => agent.destroy() };
}
