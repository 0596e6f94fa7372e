/**
 * A reload (server.reload, what SIGHUP calls) over real sockets: the body limit raised from 100 to
 * 1000 bytes takes effect over TCP as over UDP, on a connection opened before the reload too; a
 * changed restart-only key (server.port) is logged once, old → new, and the server stays on the
 * old port. Every wait is bounded (test-server.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deepMerge, defaultTree, validate } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { buildRequest, startTestServer, type ConfigOverrides, type TestServer } from '../helpers/index.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The running configuration with `overrides` merged over it, validated as a reloaded file is. */
function reloaded(running: Readonly<Config>, overrides: ConfigOverrides): Readonly<Config> {
  return validate(deepMerge(deepMerge(defaultTree(), structuredClone(running) as ConfigOverrides), overrides), 'reload');
}

/** A MESSAGE to `textonly` (a user that takes MESSAGE: 200) with a 500-byte text body. */
function message500(transport: 'UDP' | 'TCP', port: number): Buffer {
  return buildRequest({
    method: 'MESSAGE',
    uri: 'sip:textonly@127.0.0.1',
    via: `SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
    headers: { 'Content-Type': 'text/plain' },
    body: 'x'.repeat(500),
  });
}

describe('reloading the configuration of a running server', () => {
  it('applies limits.maxBodyBytes 100 → 1000 to the next message over TCP and UDP (§18.3, §21.4.11)', async () => {
    server = await startTestServer({ config: { limits: { maxBodyBytes: 100 } } });
    const s = server;
    const before = await s.tcpConnect();
    // Before the reload: 413 and the connection closed, as the limit says.
    expect((await before.request(message500('TCP', before.port))).status).toBe(413);
    await before.closed();
    expect((await s.udpRequest(message500('UDP', 5070))).status).toBe(413);

    const open = await s.tcpConnect(); // opened before the reload, used after it
    expect(s.server.reload(reloaded(s.server.config(), { limits: { maxBodyBytes: 1000 } }))).toEqual([]);

    const onOpen = await open.request(message500('TCP', open.port));
    expect([onOpen.status, onOpen.reason, onOpen.get('CSeq')]).toEqual([200, 'OK', '1 MESSAGE']);
    const fresh = await s.tcpConnect();
    expect((await fresh.request(message500('TCP', fresh.port))).status).toBe(200);
    expect((await s.udpRequest(message500('UDP', 5070))).status).toBe(200);
    // The connection stays usable: a second message on it is framed and answered too.
    expect((await open.request(message500('TCP', open.port))).status).toBe(200);
    expect(s.log.lines().filter((l) => l.level === 40)).toEqual([]);
  });

  it('applies limits.maxUdpMessageBytes to the next datagram', async () => {
    server = await startTestServer({ config: { limits: { maxUdpMessageBytes: 600 } } });
    const s = server;
    const client = await s.udpClient();
    client.send(message500('UDP', client.port)); // about 750 bytes: dropped unread
    await expect(client.receive(300)).rejects.toThrow(/no UDP response/);
    expect(s.server.udp?.counters.dropped).toBe(1);
    s.server.reload(reloaded(s.server.config(), { limits: { maxUdpMessageBytes: 2000 } }));
    expect((await client.request(message500('UDP', client.port))).status).toBe(200);
  });

  it('warns once naming each restart-only key it keeps (old → new), and keeps answering on the old port', async () => {
    server = await startTestServer();
    const s = server;
    const port = s.port;
    const kept = s.server.reload(reloaded(s.server.config(), { server: { port: 5999, host: '127.0.0.2' }, limits: { maxBodyBytes: 1000 } }));
    expect(kept.map((c) => c.key)).toEqual(['server.host', 'server.port']);
    const warnings = s.log.lines().filter((l) => l.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'restart-only keys keep their running values until restart: server.host "127.0.0.1" → "127.0.0.2", server.port 0 → 5999',
        restartOnly: [
          { key: 'server.host', from: '127.0.0.1', to: '127.0.0.2' },
          { key: 'server.port', from: 0, to: 5999 },
        ],
      }),
    ]);
    // The running values stay; the live key in the same reload took effect.
    expect([s.server.config().server.host, s.server.config().server.port, s.server.config().limits.maxBodyBytes]).toEqual(['127.0.0.1', 0, 1000]);
    expect(s.server.address().port).toBe(port);
    expect((await s.udpRequest(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }))).status).toBe(200);
    const tcp = await s.tcpConnect();
    expect((await tcp.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: `SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=z9hG4bKkeptport` }))).status).toBe(200);
  });
});
