import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import type { MediaSocket } from '../../../src/media/echo-session.js';
import { MediaService, type BindMedia } from '../../../src/media/media-service.js';
import type { Endpoint } from '../../../src/sdp/sdp-streams.js';
import { testConfig } from '../../helpers/config.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { FakeClock } from '../transaction/fake-clock.js';

/** RFC 3550 §5.1 fixed header (version 2, PCMU) and `payload` bytes. */
const rtp = (payload = 160, pt = 0): Buffer => Buffer.concat([Buffer.from([0x80, pt, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(payload)]);
const CLIENT: Endpoint = { address: '192.0.2.1', port: 4000 };

/** Sockets that bind at once (or fail for `refuse`d ports) and record what they send. */
function fakeNet(refuse: readonly number[] = []) {
  const sent: { port: number; to: string; bytes: number }[] = [];
  const inbound = new Map<number, (data: Buffer, from: Endpoint) => void>();
  const closed: number[] = [];
  const bind: BindMedia = (_host, port, onPacket) => {
    if (refuse.includes(port)) return Promise.reject(Object.assign(new Error('in use'), { code: 'EADDRINUSE' }));
    inbound.set(port, onPacket);
    const socket: MediaSocket = {
      send: (data, p, address) => sent.push({ port, to: `${address}:${p}`, bytes: data.length }),
      close: () => closed.push(port),
    };
    return Promise.resolve(socket);
  };
  return { sent, inbound, closed, bind };
}

function service(overrides: Record<string, unknown> = {}, refuse: readonly number[] = []) {
  const clock = new FakeClock();
  const net = fakeNet(refuse);
  const log = memoryLogger();
  const config: Readonly<Config> = testConfig({ media: overrides });
  const media = new MediaService({ clock, config: () => config, logger: log.logger, bind: net.bind });
  return { clock, net, log, media };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('media service (RFC 3550 §11 ports, bounded echo)', () => {
  it('hands out even ports of the range round-robin and none past media.maxSessions', () => {
    const { media } = service({ portMin: 40001, portMax: 40006, maxSessions: 2 });
    expect(media.reservePort()).toBe(40002);
    media.start(40002, CLIENT, true);
    expect(media.reservePort()).toBe(40004);
    media.start(40004, CLIENT, true);
    expect(media.reservePort()).toBeUndefined();
    media.stop(40002);
    expect(media.reservePort()).toBe(40006);
  });

  it('echoes RTP to the SDP address, never RTCP or non-RTP, and closes the port at stop', async () => {
    const { media, net } = service();
    media.start(40000, CLIENT, true);
    await settle();
    const feed = net.inbound.get(40000)!;
    feed(rtp(), { address: '198.51.100.9', port: 9999 });
    feed(rtp(20, 200), CLIENT); // RTCP SR multiplexed (RFC 5761 §4)
    feed(Buffer.from('not rtp at all'), CLIENT);
    expect(net.sent).toEqual([{ port: 40000, to: '192.0.2.1:4000', bytes: 172 }]);
    expect(media.session(40000)?.counters).toEqual({ received: 3, echoed: 1, dropped: 2, own: 0 });
    media.stop(40000);
    expect(net.closed).toEqual([40000]);
    expect(media.size).toBe(0);
  });

  it('echoes to the packets source when no address is known (late offer, ACK without answer)', async () => {
    const { media, net } = service();
    media.start(40000, undefined, true);
    await settle();
    net.inbound.get(40000)!(rtp(), { address: '203.0.113.4', port: 7078 });
    net.inbound.get(40000)!(rtp(), { address: '203.0.113.99', port: 1 });
    expect(net.sent.map((s) => s.to)).toEqual(['203.0.113.4:7078', '203.0.113.4:7078']);
  });

  it('does not echo while held (recvonly answer), and again once retargeted sendrecv', async () => {
    const { media, net } = service();
    media.start(40000, CLIENT, false);
    await settle();
    net.inbound.get(40000)!(rtp(), CLIENT);
    media.start(40000, { address: '192.0.2.2', port: 5000 }, true);
    net.inbound.get(40000)!(rtp(), CLIENT);
    expect(net.sent.map((s) => s.to)).toEqual(['192.0.2.2:5000']);
  });

  it('drops packets over media.maxBytesPerPacket and over media.maxPacketsPerSecond per second', async () => {
    const { media, net, clock } = service({ maxPacketsPerSecond: 3, maxBytesPerPacket: 100 });
    media.start(40000, CLIENT, true);
    await settle();
    const feed = net.inbound.get(40000)!;
    feed(rtp(89), CLIENT); // 101 bytes
    for (let i = 0; i < 5; i++) feed(rtp(88), CLIENT);
    expect(net.sent.length).toBe(3);
    clock.tick(999);
    feed(rtp(88), CLIENT);
    expect(net.sent.length).toBe(3);
    clock.tick(1);
    feed(rtp(88), CLIENT);
    expect(net.sent.length).toBe(4);
    expect(media.session(40000)?.counters).toEqual({ received: 8, echoed: 4, dropped: 4, own: 0 });
  });

  it('ends a session after media.maxCallSeconds (fake clock)', async () => {
    const { media, net, clock, log } = service({ maxCallSeconds: 30 });
    media.start(40000, CLIENT, true);
    await settle();
    clock.tick(29_999);
    expect(media.size).toBe(1);
    clock.tick(1);
    expect(media.size).toBe(0);
    expect(net.closed).toEqual([40000]);
    expect(log.lines().some((r) => r.msg === 'media session reached media.maxCallSeconds' && r.port === 40000)).toBe(true);
  });

  it('logs a port that fails to bind and never offers it again', async () => {
    const { media, log } = service({ portMin: 40000, portMax: 40004 }, [40000]);
    expect(media.reservePort()).toBe(40000);
    media.start(40000, CLIENT, true);
    await settle();
    expect(media.size).toBe(0);
    expect(log.lines().find((r) => r.msg === 'media port failed to bind; not used again')).toMatchObject({ port: 40000, err: 'EADDRINUSE' });
    expect([media.reservePort(), media.reservePort(), media.reservePort()]).toEqual([40002, 40004, 40002]);
  });

  it('closes a session stopped while its port was still binding', async () => {
    const { media, net } = service();
    media.start(40000, CLIENT, true);
    media.stop(40000);
    await settle();
    expect(net.closed).toEqual([40000]);
  });

  it('names the first port and binds nothing when media is disabled', async () => {
    const { media, net } = service({ enabled: false, portMin: 41000, portMax: 41100 });
    expect(media.reservePort()).toBe(41000);
    media.start(41000, CLIENT, true);
    await settle();
    expect(net.inbound.size).toBe(0);
  });

  it('stops every session at close', async () => {
    const { media, net } = service();
    media.start(40000, CLIENT, true);
    media.start(40002, CLIENT, true);
    await settle();
    media.close();
    expect(net.closed.sort()).toEqual([40000, 40002]);
    expect(media.size).toBe(0);
  });
});

describe('media service: frames of our own once the dialog is confirmed (rtp-source.ts)', () => {
  const PCMU = { pt: 0, encoding: 'PCMU' };

  it('sends nothing before the ACK, then one 172-byte PCMU packet per 20 ms to the SDP address', async () => {
    const { media, net, clock } = service();
    media.start(40000, CLIENT, true, PCMU);
    await settle();
    clock.tick(200);
    expect(net.sent).toEqual([]);
    media.confirm(40000);
    clock.tick(100);
    expect(net.sent).toEqual(Array.from({ length: 5 }, () => ({ port: 40000, to: '192.0.2.1:4000', bytes: 172 })));
    expect(media.session(40000)?.counters.own).toBe(5);
  });

  it('pauses while the client\'s own RTP is echoed, and resumes when it stops', async () => {
    const { media, net, clock } = service();
    media.start(40000, CLIENT, true, PCMU);
    await settle();
    media.confirm(40000);
    const feed = net.inbound.get(40000)!;
    for (let i = 0; i < 5; i++) {
      feed(rtp(), CLIENT);
      clock.tick(20);
    }
    expect(media.session(40000)?.counters).toMatchObject({ echoed: 5, own: 0 });
    clock.tick(100);
    expect(media.session(40000)?.counters.own).toBe(5); // ticks at 120…200 ms: 40 ms after the last echo (80 ms)
  });

  it('sends none for a held stream, a codec without frames of ours, or after stop', async () => {
    const { media, net, clock } = service();
    media.start(40000, CLIENT, false, PCMU); // we answered recvonly / inactive
    media.start(40002, CLIENT, true, { pt: 18, encoding: 'G729' });
    media.start(40004, CLIENT, true, PCMU);
    await settle();
    for (const p of [40000, 40002, 40004]) media.confirm(p);
    media.stop(40004);
    clock.tick(1000);
    expect(net.sent).toEqual([]);
    media.start(40000, CLIENT, true, PCMU); // the call is taken off hold
    clock.tick(40);
    expect(net.sent.map((x) => x.port)).toEqual([40000, 40000]);
  });
});
