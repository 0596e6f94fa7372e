/**
 * SIP over WebSocket (RFC 7118) against the real server on loopback, WS and WSS on ports chosen
 * free, every other setting the default unless the test is about it. The client is the `ws`
 * package, as a browser's WebSocket would be.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMetrics, sourcesOf } from '../../src/admin/metrics.js';
import { deepMerge, defaultTree, validate } from '../../src/config/load.js';
import { startServer, type Sip4xxServer } from '../../src/server.js';
import { memoryLogger, type MemoryLogger } from '../helpers/memory-logger.js';
import { freePort } from '../helpers/process.js';
import { buildRequest, uniqueBranch } from '../helpers/sip-request.js';
import { parseResponse, type ParsedResponse } from '../helpers/sip-response.js';

const HOST = '127.0.0.1';
const WAIT_MS = 2000;

interface Running {
  readonly server: Sip4xxServer;
  readonly log: MemoryLogger;
  readonly wsPort: number;
  readonly wssPort: number;
  readonly metrics: ReturnType<typeof createMetrics>;
}

async function start(overrides: Record<string, unknown> = {}): Promise<Running> {
  const wsPort = await freePort();
  const wssPort = await freePort();
  const tree = deepMerge(defaultTree(), { server: { host: HOST, port: 0, tls: { port: 0 }, ws: { port: wsPort }, wss: { port: wssPort } } });
  const log = memoryLogger('debug');
  const metrics = createMetrics();
  const server = await startServer({ config: validate(deepMerge(tree, overrides), 'test'), logger: log.logger, observer: metrics.observer });
  metrics.bind(sourcesOf(server));
  return { server, log, wsPort, wssPort, metrics };
}

/** A connected client and its SIP messages in arrival order, each wait bounded. */
interface WsClient {
  readonly ws: WebSocket;
  readonly port: number;
  next(): Promise<ParsedResponse>;
  /** Resolves with the close code the server sent; rejects after WAIT_MS. */
  closed(): Promise<number>;
}

async function connect(url: string, protocols: string[] = ['sip'], opts: WebSocket.ClientOptions = {}): Promise<WsClient> {
  const ws = new WebSocket(url, protocols, { rejectUnauthorized: false, ...opts });
  const queue: ParsedResponse[] = [];
  const waiters: ((r: ParsedResponse) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const res = parseResponse(data);
    const w = waiters.shift();
    if (w === undefined) queue.push(res);
    else w(res);
  });
  const closeCode = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const within = <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${WAIT_MS} ms`)), WAIT_MS)));
    return Promise.race([p, t]).finally(() => clearTimeout(timer));
  };
  return {
    ws,
    port: (ws as unknown as { _socket: { localPort: number } })._socket.localPort,
    next: () => within(queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r)), 'no SIP message'),
    closed: () => within(closeCode, 'connection not closed'),
  };
}

function wsVia(transport: 'WS' | 'WSS'): string {
  // A browser's sent-by: an unresolvable host (RFC 7118 §5.2 examples use .invalid).
  return `SIP/2.0/${transport} df7jal23ls0d.invalid;rport;branch=${uniqueBranch()}`;
}

describe('SIP over WebSocket (RFC 7118)', () => {
  let run: Running;
  beforeAll(async () => {
    run = await start();
  });
  afterAll(async () => {
    await run.server.close();
  });

  it('refuses a handshake without the sip subprotocol with HTTP 400 (RFC 7118 §4.1, RFC 6455 §4.2.1)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://${HOST}:${run.wsPort}`, ['chat']);
      ws.on('unexpected-response', (_req, res: http.IncomingMessage) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('handshake without sip accepted')));
      ws.on('error', () => {});
    });
    expect(status).toBe(400);
    expect(run.server.secure.ws?.counters.protocolRefused).toBe(1);
  });

  it('answers a plain HTTP GET 426 Upgrade Required', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`http://${HOST}:${run.wsPort}/`, resolve).on('error', reject));
    res.resume();
    expect([res.statusCode, res.headers.upgrade]).toEqual([426, 'websocket']);
  });

  it.each(['ws', 'wss'] as const)('answers one SIP message per frame on the same %s connection, Via stamped with received and rport (RFC 7118 §5)', async (scheme) => {
    const port = scheme === 'ws' ? run.wsPort : run.wssPort;
    const c = await connect(`${scheme}://${HOST}:${port}`);
    const via = wsVia(scheme === 'ws' ? 'WS' : 'WSS');
    c.ws.send(buildRequest({ method: 'OPTIONS', uri: `sip:${HOST}`, via }).toString('latin1'));
    const res = await c.next();
    expect([res.status, res.reason]).toEqual([200, 'OK']);
    expect(res.get('Via')).toBe(`${via.replace(';rport', `;rport=${c.port}`)};received=127.0.0.1`);
    // A binary frame is as good as a text one (RFC 7118 §5).
    c.ws.send(buildRequest({ method: 'INVITE', uri: `sip:486@${HOST}`, via: wsVia('WS') }), { binary: true });
    expect((await c.next()).status).toBe(486);
    c.ws.close();
  });

  it.each(['ws', 'wss'] as const)('names the %s listener in the Contact of an answered call, with transport=ws (RFC 7118 §5.2)', async (scheme) => {
    const port = scheme === 'ws' ? run.wsPort : run.wssPort;
    const c = await connect(`${scheme}://${HOST}:${port}`);
    c.ws.send(buildRequest({ method: 'INVITE', uri: `sip:answer@${HOST}`, via: wsVia(scheme === 'ws' ? 'WS' : 'WSS') }));
    const res = await c.next();
    expect(res.status).toBe(200);
    expect(res.get('Contact')).toBe(`<sip:answer@127.0.0.1:${port};transport=ws>`);
    c.ws.close();
  });

  it('answers sips: over WS 416 SIPS Requires TLS and over WSS by its user (RFC 3261 §26.2.2)', async () => {
    const plain = await connect(`ws://${HOST}:${run.wsPort}`);
    plain.ws.send(buildRequest({ method: 'INVITE', uri: `sips:486@${HOST}`, via: wsVia('WS') }));
    expect([(await plain.next()).status]).toEqual([416]);
    plain.ws.close();
    const secure = await connect(`wss://${HOST}:${run.wssPort}`);
    secure.ws.send(buildRequest({ method: 'INVITE', uri: `sips:486@${HOST}`, via: wsVia('WSS') }));
    expect((await secure.next()).status).toBe(486);
    secure.ws.close();
  });

  it('closes with 1002 a frame holding two SIP messages, answering neither (RFC 7118 §5)', async () => {
    const c = await connect(`ws://${HOST}:${run.wsPort}`);
    const one = buildRequest({ method: 'OPTIONS', uri: `sip:${HOST}`, via: wsVia('WS') });
    const two = buildRequest({ method: 'OPTIONS', uri: `sip:${HOST}`, via: wsVia('WS') });
    c.ws.send(Buffer.concat([one, two]));
    expect(await c.closed()).toBe(1002);
    expect(run.server.secure.ws?.counters.multipleMessages).toBe(1);
  });

  it('closes with 1009 a frame over maxHeaderBytes + maxBodyBytes (RFC 6455 §7.4.1)', async () => {
    const { maxHeaderBytes, maxBodyBytes } = run.server.config().limits;
    const c = await connect(`ws://${HOST}:${run.wsPort}`);
    const body = 'x'.repeat(maxHeaderBytes + maxBodyBytes);
    c.ws.send(buildRequest({ method: 'MESSAGE', uri: `sip:${HOST}`, via: wsVia('WS'), headers: [['Content-Type', 'text/plain']], body }));
    expect(await c.closed()).toBe(1009);
    expect(run.server.secure.ws?.counters.oversize).toBe(1);
  });

  it('labels requests and connections transport="ws" / "wss" in /metrics', async () => {
    const c = await connect(`wss://${HOST}:${run.wssPort}`);
    c.ws.send(buildRequest({ method: 'OPTIONS', uri: `sip:${HOST}`, via: wsVia('WSS') }));
    await c.next();
    const text = await run.metrics.registry.metrics();
    expect(text).toMatch(/^sip4xx_requests_total\{method="OPTIONS",transport="ws"\} [1-9]\d*$/m);
    expect(text).toMatch(/^sip4xx_requests_total\{method="OPTIONS",transport="wss"\} [1-9]\d*$/m);
    expect(text).toMatch(/^sip4xx_connections\{transport="wss"\} [1-9]\d*$/m);
    expect(text).toContain('\nsip4xx_ws_subprotocol_refused_total{transport="ws"} 1\n');
    expect(text).toContain('\nsip4xx_ws_multiple_messages_total{transport="ws"} 1\n');
    c.ws.close();
  });
});

describe('a half-open WebSocket connection (RFC 7118, limits.tcp.idleTimeoutMs)', () => {
  it('is dropped when it answers no ping within the idle timeout, and a live one is kept', async () => {
    const run = await start({ limits: { tcp: { idleTimeoutMs: 150 } } });
    try {
      // autoPong off: the peer vanished without a FIN, as a phone leaving Wi-Fi does.
      const silent = await connect(`ws://${HOST}:${run.wsPort}`, ['sip'], { autoPong: false });
      const live = await connect(`ws://${HOST}:${run.wsPort}`);
      expect(await silent.closed()).toBe(1006); // terminated, no close frame
      expect(run.server.secure.ws?.counters.idleClosed).toBe(1);
      expect(live.ws.readyState).toBe(WebSocket.OPEN);
      live.ws.send(buildRequest({ method: 'OPTIONS', uri: `sip:${HOST}`, via: wsVia('WS') }));
      expect((await live.next()).status).toBe(200);
      live.ws.close();
    } finally {
      await run.server.close();
    }
  });
});
