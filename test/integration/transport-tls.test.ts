/**
 * SIP over TLS (RFC 3261 §26, §18) against the real server on loopback: a TLS port chosen free,
 * every other setting the default, the certificate generated at start unless the test is about a
 * configured one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, sourcesOf } from '../../src/admin/metrics.js';
import { deepMerge, defaultTree, validate } from '../../src/config/load.js';
import { startServer, type Sip4xxServer } from '../../src/server.js';
import { generateCredentials } from '../../src/transport/certificate.js';
import { memoryLogger, type MemoryLogger } from '../helpers/memory-logger.js';
import { freePort } from '../helpers/process.js';
import { buildRequest, buildRequestText, uniqueBranch } from '../helpers/sip-request.js';
import { tcpClientFor, type TcpClient } from '../helpers/test-server.js';

const HOST = '127.0.0.1';

interface Running {
  readonly server: Sip4xxServer;
  readonly log: MemoryLogger;
  readonly tlsPort: number;
  readonly metrics: ReturnType<typeof createMetrics>;
}

async function start(tlsOverrides: Record<string, unknown> = {}): Promise<Running> {
  const tlsPort = await freePort();
  const config = validate(
    deepMerge(defaultTree(), { server: { host: HOST, port: 0, tls: { port: tlsPort, ...tlsOverrides }, ws: { port: 0 }, wss: { port: 0 } } }),
    'test',
  );
  const log = memoryLogger('debug');
  const metrics = createMetrics();
  const server = await startServer({ config, logger: log.logger, observer: metrics.observer });
  metrics.bind(sourcesOf(server));
  return { server, log, tlsPort, metrics };
}

function tlsClient(port: number): Promise<TcpClient> {
  return tcpClientFor(HOST, port, () => tls.connect({ host: HOST, port, rejectUnauthorized: false }), 'secureConnect');
}

function tlsVia(client: TcpClient, sentBy = `${HOST}:${client.port}`): string {
  return `SIP/2.0/TLS ${sentBy};branch=${uniqueBranch()}`;
}

function options(client: TcpClient, uri = `sip:${HOST}`): Buffer {
  return buildRequest({ method: 'OPTIONS', uri, via: tlsVia(client) });
}

describe('SIP over TLS (RFC 3261 §26)', () => {
  let run: Running;
  beforeAll(async () => {
    run = await start();
  });
  afterAll(async () => {
    await run.server.close();
  });

  it('generates a self-signed certificate when none is configured and logs its SHA-256 fingerprint', async () => {
    const generated = run.log.lines().find((l) => l.msg === 'tls certificate generated (self-signed)');
    expect(generated?.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(generated?.names).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
    const socket = tls.connect({ host: HOST, port: run.tlsPort, rejectUnauthorized: false });
    await new Promise((r) => socket.once('secureConnect', r));
    const cert = socket.getPeerX509Certificate();
    expect(cert?.fingerprint256).toBe(generated?.fingerprint);
    // It names 127.0.0.1 and localhost, so a client checking it against either accepts it.
    expect([cert?.checkIP('127.0.0.1'), cert?.checkHost('localhost')]).toEqual(['127.0.0.1', 'localhost']);
    socket.destroy();
  });

  it('answers OPTIONS 200 on the same connection, Via stamped with received and rport (§18.2.2, RFC 3581)', async () => {
    const c = await tlsClient(run.tlsPort);
    const via = `SIP/2.0/TLS client.invalid;rport;branch=${uniqueBranch()}`;
    const res = await c.request(buildRequest({ method: 'OPTIONS', uri: `sip:${HOST}`, via }));
    expect([res.status, res.reason]).toEqual([200, 'OK']);
    expect(res.get('Via')).toBe(`${via.replace(';rport', `;rport=${c.port}`)};received=127.0.0.1`);
    c.close();
  });

  it('frames two messages in one TLS record and one message split across records (§18.3)', async () => {
    const c = await tlsClient(run.tlsPort);
    const a = options(c);
    const b = buildRequest({ method: 'INVITE', uri: `sip:486@${HOST}`, via: tlsVia(c) });
    await c.write(Buffer.concat([a, b]));
    const first = await c.receive();
    const second = await c.receive();
    expect([first.status, first.get('CSeq')]).toEqual([200, '1 OPTIONS']);
    expect([second.status, second.get('CSeq')]).toEqual([486, '1 INVITE']);
    const split = options(c);
    await c.write(split.subarray(0, 37));
    await new Promise((r) => setTimeout(r, 20));
    await c.write(split.subarray(37));
    expect((await c.receive()).status).toBe(200);
    c.close();
  });

  it('drops a plain-TCP client on the TLS port without harm, and still serves TLS (§26.2.1)', async () => {
    const plain = net.connect({ host: HOST, port: run.tlsPort });
    plain.on('error', () => {});
    await new Promise((r) => plain.once('connect', r));
    const before = run.server.secure.tls?.counters.handshakeErrors ?? -1;
    plain.write(buildRequestText({ method: 'OPTIONS', uri: `sip:${HOST}` }));
    let received = '';
    plain.on('data', (d: Buffer) => (received += d.toString('latin1')));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('plain TCP connection still open after 2 s')), 2000);
      plain.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    expect(received).not.toContain('SIP/2.0');
    expect(run.server.secure.tls?.counters.handshakeErrors).toBe(before + 1);
    expect(run.log.lines()).toContainEqual(expect.objectContaining({ level: 20, msg: 'tls handshake failed, closing', transport: 'tls' }));
    const c = await tlsClient(run.tlsPort);
    expect((await c.request(options(c))).status).toBe(200);
    c.close();
  });

  it('puts ;transport=tls in the Contact of an answered call, and a sips: Contact for a sips: request (§12.1.1, RFC 5630 §3.1.3)', async () => {
    const c = await tlsClient(run.tlsPort);
    const sip = await c.request(buildRequest({ method: 'INVITE', uri: `sip:answer@${HOST}`, via: tlsVia(c) }));
    expect(sip.status).toBe(200);
    expect(sip.get('Contact')).toBe(`<sip:answer@127.0.0.1:${run.tlsPort};transport=tls>`);
    const sips = await c.request(buildRequest({ method: 'INVITE', uri: `sips:answer@${HOST}`, via: tlsVia(c) }));
    expect(sips.status).toBe(200);
    expect(sips.get('Contact')).toBe(`<sips:answer@127.0.0.1:${run.tlsPort}>`);
    c.close();
  });

  it('answers a sips: Request-URI over TCP 416 SIPS Requires TLS, and over TLS by its user (§26.2.2)', async () => {
    const tcpPort = run.server.tcp?.address().port ?? 0;
    const overTcp = await tcpClientFor(HOST, tcpPort);
    const tcpRes = await overTcp.request(
      buildRequest({ method: 'INVITE', uri: `sips:486@${HOST}`, via: `SIP/2.0/TCP ${HOST}:${overTcp.port};branch=${uniqueBranch()}` }),
    );
    expect([tcpRes.status, tcpRes.reason]).toEqual([416, 'SIPS Requires TLS']);
    overTcp.close();
    const c = await tlsClient(run.tlsPort);
    expect((await c.request(buildRequest({ method: 'INVITE', uri: `sips:486@${HOST}`, via: tlsVia(c) }))).status).toBe(486);
    c.close();
  });

  it('labels requests and connections transport="tls" in /metrics', async () => {
    const c = await tlsClient(run.tlsPort);
    await c.request(options(c));
    const text = await run.metrics.registry.metrics();
    expect(text).toMatch(/^sip4xx_requests_total\{method="OPTIONS",transport="tls"\} [1-9]\d*$/m);
    expect(text).toMatch(/^sip4xx_connections\{transport="tls"\} [1-9]\d*$/m);
    const failed = run.server.secure.tls?.counters.handshakeErrors ?? 0;
    expect(failed).toBeGreaterThanOrEqual(1); // the plain-TCP client above
    expect(text).toContain(`\nsip4xx_tls_handshake_errors_total{transport="tls"} ${failed}\n`);
    c.close();
  });
});

describe('a configured TLS certificate (RFC 3261 §26.2.1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sip4xx-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is served, and a reload picks up the renewed certificate for new connections', async () => {
    const first = await generateCredentials(['127.0.0.1']);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    writeFileSync(cert, first.cert);
    writeFileSync(key, first.key);
    const run = await start({ cert, key });
    try {
      const peerFingerprint = async (): Promise<string | undefined> => {
        const s = tls.connect({ host: HOST, port: run.tlsPort, rejectUnauthorized: false });
        await new Promise((r) => s.once('secureConnect', r));
        const fp = s.getPeerX509Certificate()?.fingerprint256;
        s.destroy();
        return fp;
      };
      expect(await peerFingerprint()).toBe(first.fingerprint);
      expect(run.log.lines().some((l) => l.msg === 'tls certificate generated (self-signed)')).toBe(false);
      const renewed = await generateCredentials(['127.0.0.1']);
      writeFileSync(cert, renewed.cert);
      writeFileSync(key, renewed.key);
      run.server.reload(run.server.config());
      expect(await peerFingerprint()).toBe(renewed.fingerprint);
      expect(run.log.lines()).toContainEqual(expect.objectContaining({ msg: 'tls certificate reloaded', fingerprint: renewed.fingerprint, was: first.fingerprint }));
    } finally {
      await run.server.close();
    }
  });
});
