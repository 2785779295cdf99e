// A loopback webhook receiver for tests: records signed deliveries, and can be down (drops connections) or slow.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifyWebhook, WEBHOOK_HEADERS } from '../src/webhooks/signature.js';

export interface Received {
  id: string;
  event: string;
  timestamp: string;
  signature: string;
  raw: string;
  body: Record<string, any>;
}

export type ReceiverMode = 'up' | 'down' | 'hang';

export interface Receiver {
  url: string;
  mode: ReceiverMode;
  /** Deliveries answered 200, in arrival order. */
  received: Received[];
  /** Every request that reached the receiver, whatever it answered. */
  attempts: number;
  close(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === 'string' ? value : '';
}

export async function startReceiver(mode: ReceiverMode = 'up'): Promise<Receiver> {
  const hung: Array<() => void> = [];
  const receiver: Receiver = {
    url: '',
    mode,
    received: [],
    attempts: 0,
    close: async () => {
      for (const release of hung.splice(0)) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    receiver.attempts++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.mode === 'down') {
        req.socket.destroy();
        return;
      }
      if (receiver.mode === 'hang') {
        hung.push(() => req.socket.destroy());
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      receiver.received.push({
        id: header(req, WEBHOOK_HEADERS.delivery),
        event: header(req, WEBHOOK_HEADERS.event),
        timestamp: header(req, WEBHOOK_HEADERS.timestamp),
        signature: header(req, WEBHOOK_HEADERS.signature),
        raw,
        body: JSON.parse(raw) as Record<string, any>,
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  return receiver;
}

/** Checks a received delivery as a receiver would (signature, timestamp window). */
export function verified(delivery: Received, secret: string, nowSeconds: number): boolean {
  return verifyWebhook({
    secret,
    body: delivery.raw,
    timestamp: delivery.timestamp,
    signature: delivery.signature,
    nowSeconds,
  }).ok;
}
