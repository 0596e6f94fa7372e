/**
 * A real SIP server (test-server.ts, ephemeral ports on loopback) with a real admin HTTP server in
 * front, wired as main.ts wires them (controlPlaneOf), and a small JSON client for /api. Every
 * HTTP call is bounded by a timeout.
 */
import { afterEach } from 'vitest';
import { startAdmin, type AdminServer } from '../../src/admin/admin-server.js';
import { controlPlaneOf } from '../../src/admin/api/control.js';
import { createMetrics, sourcesOf } from '../../src/admin/metrics.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../helpers/index.js';

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

export interface ApiHarness {
  readonly sip: TestServer;
  readonly admin: AdminServer;
  readonly base: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** POST /api/stubs, expecting 201; returns the stub's id. */
  stub(body: unknown): Promise<string>;
  close(): Promise<void>;
}

export async function apiHarness(opts: TestServerOptions & { readonly adminHost?: string; readonly token?: string } = {}): Promise<ApiHarness> {
  const sip = await startTestServer(opts);
  const metrics = createMetrics();
  metrics.bind(sourcesOf(sip.server));
  const control = controlPlaneOf(sip.server);
  const host = opts.adminHost ?? '127.0.0.1';
  const admin = await startAdmin({
    host,
    port: 0,
    registry: metrics.registry,
    state: () => 'ready',
    logger: sip.log.logger,
    api: { host, token: () => opts.token ?? '', control: () => control },
  });
  const base = `http://127.0.0.1:${admin.port}`;
  const call: ApiHarness['call'] = async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(3000) };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const res = await fetch(base + path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text or HTML
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    sip,
    admin,
    base,
    call,
    async stub(body) {
      const r = await call('POST', '/api/stubs', body);
      if (r.status !== 201) throw new Error(`stub refused: ${r.status} ${r.text}`);
      return (r.body as { id: string }).id;
    },
    async close() {
      await admin.close();
      await sip.close();
    },
  };
}

/** `apiHarness` for tests: each harness it makes is closed after the test that made it. */
export function harnessPerTest(): (...args: Parameters<typeof apiHarness>) => Promise<ApiHarness> {
  const open: ApiHarness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  return async (...args) => {
    const h = await apiHarness(...args);
    open.push(h);
    return h;
  };
}
