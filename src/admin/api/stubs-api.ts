/**
 * /api/stubs and /api/scenarios (README, "Control plane"): stubs validated by the one stub schema
 * (src/stubs/stub-schema.ts) that also checks the config file's `rules`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { stubProblems, stubSchema } from '../../stubs/stub-schema.js';
import type { StoredStub } from '../../stubs/stub-store.js';
import { StubLimitError } from '../../stubs/stub-store.js';
import { STARTED } from '../../stubs/scenarios.js';
import type { Stubs } from '../../stubs/stubs.js';
import { HttpError, readJson, sendJson } from './http.js';

/** A stub as the API shows it: its id, its own fields, where it came from and its match count. */
export function stubJson(s: StoredStub): Record<string, unknown> {
  return { id: s.id, ...s.stub, origin: s.origin, matches: s.matches };
}

export const scenarioStateSchema = z.object({ state: z.string().min(1).max(64) }).strict();

export interface StubsApiDeps {
  readonly stubs: Stubs;
  readonly maxStubs: number;
  readonly rules: readonly z.infer<typeof stubSchema>[];
  /** Workers: settles once every worker holds the changes made so far (src/cluster/). */
  readonly settled?: (() => Promise<void>) | undefined;
}

/** Answers once every worker holds what the request changed (at once with one process). */
async function reply(res: ServerResponse, status: number, body: unknown, deps: StubsApiDeps): Promise<true> {
  if (deps.settled !== undefined) await deps.settled();
  sendJson(res, status, body);
  return true;
}

function notFound(what: string): HttpError {
  return new HttpError(404, `no ${what}`);
}

/** Handles /api/stubs[/{id}]; false when the path is not one of them. */
export async function handleStubs(req: IncomingMessage, res: ServerResponse, path: string, deps: StubsApiDeps): Promise<boolean> {
  const { store } = deps.stubs;
  store.configure(deps.rules);
  if (path === '/api/stubs') {
    if (req.method === 'GET') return reply(res, 200, { stubs: store.list().map(stubJson) }, deps);
    if (req.method === 'DELETE') return reply(res, 200, { deleted: store.clearApi() }, deps);
    if (req.method === 'POST') {
      const parsed = stubSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, 'invalid stub', stubProblems(parsed.error));
      try {
        return reply(res, 201, stubJson(store.add(parsed.data, deps.maxStubs)), deps);
      } catch (err) {
        // RFC 4918 §11.5 507 Insufficient Storage: the server cannot store what the request needs.
        if (err instanceof StubLimitError) throw new HttpError(507, err.message);
        throw err;
      }
    }
    throw new HttpError(405, 'use GET, POST or DELETE');
  }
  if (!path.startsWith('/api/stubs/')) return false;
  const id = decodeURIComponent(path.slice('/api/stubs/'.length));
  const stub = store.get(id);
  if (stub === undefined) throw notFound(`stub ${JSON.stringify(id.slice(0, 64))}`);
  if (req.method === 'GET') return reply(res, 200, stubJson(stub), deps);
  if (req.method === 'DELETE') {
    store.remove(id);
    return reply(res, 200, stubJson(stub), deps);
  }
  throw new HttpError(405, 'use GET or DELETE');
}

/** Every scenario a stub names (in Started until moved) and every one moved. */
export function scenariosJson(stubs: Stubs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of stubs.store.list()) if (s.stub.scenario !== undefined) out[s.stub.scenario.name] = STARTED;
  return { ...out, ...stubs.scenarios.list() };
}

/** Handles /api/scenarios, /api/scenarios/reset and /api/scenarios/{name}. */
export async function handleScenarios(req: IncomingMessage, res: ServerResponse, path: string, deps: StubsApiDeps): Promise<boolean> {
  const { stubs } = deps;
  stubs.store.configure(deps.rules);
  if (path === '/api/scenarios') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    return reply(res, 200, { scenarios: scenariosJson(stubs) }, deps);
  }
  if (path === '/api/scenarios/reset') {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    stubs.scenarios.reset();
    return reply(res, 200, { scenarios: scenariosJson(stubs) }, deps);
  }
  if (!path.startsWith('/api/scenarios/')) return false;
  const name = decodeURIComponent(path.slice('/api/scenarios/'.length));
  if (name.length === 0 || name.length > 64) throw new HttpError(400, 'a scenario name is 1 to 64 characters');
  if (req.method === 'GET') return reply(res, 200, { name, state: stubs.scenarios.state(name) }, deps);
  if (req.method !== 'PUT') throw new HttpError(405, 'use GET or PUT');
  const parsed = scenarioStateSchema.safeParse(await readJson(req));
  if (!parsed.success) throw new HttpError(400, 'invalid scenario state', stubProblems(parsed.error));
  if (!stubs.scenarios.set(name, parsed.data.state)) throw new HttpError(507, 'scenario limit reached; POST /api/scenarios/reset first');
  return reply(res, 200, { name, state: parsed.data.state }, deps);
}
