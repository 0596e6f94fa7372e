/**
 * GET /api/openapi.json: OpenAPI 3.1 of the control plane, its schemas generated from the same zod
 * schemas that validate requests (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses) —
 * never written twice. Built once per process.
 */
import { z } from 'zod';
import { stubSchema } from '../../stubs/stub-schema.js';
import { VERSION } from '../../version.js';
import { scenarioStateSchema } from './stubs-api.js';

export interface Operation {
  readonly summary: string;
  readonly body?: string;
  readonly responses: Readonly<Record<string, string>>;
}

/** Path → method → what it does; the docs page (docs-page.ts) renders the same table. */
export const OPERATIONS: Readonly<Record<string, Readonly<Record<string, Operation>>>> = {
  '/api/stubs': {
    get: { summary: 'List every stub (configured rules and API stubs) in match order', responses: { '200': 'StubList' } },
    post: { summary: 'Add a stub', body: 'Stub', responses: { '201': 'StoredStub', '400': 'Error', '413': 'Error', '507': 'Error' } },
    delete: { summary: 'Remove every stub added over the API', responses: { '200': 'Deleted' } },
  },
  '/api/stubs/{id}': {
    get: { summary: 'One stub', responses: { '200': 'StoredStub', '404': 'Error' } },
    delete: { summary: 'Remove one stub (a configured one until POST /api/reset or a reload)', responses: { '200': 'StoredStub', '404': 'Error' } },
  },
  '/api/scenarios': { get: { summary: 'Scenario states: every scenario a stub names or that was moved', responses: { '200': 'Scenarios' } } },
  '/api/scenarios/{name}': {
    get: { summary: 'One scenario state', responses: { '200': 'ScenarioState' } },
    put: { summary: 'Set a scenario state', body: 'ScenarioStateBody', responses: { '200': 'ScenarioState', '400': 'Error' } },
  },
  '/api/scenarios/reset': { post: { summary: 'Every scenario back to Started', responses: { '200': 'Scenarios' } } },
  '/api/reset': {
    post: { summary: 'Back to the configured start: API stubs, match counts, journal, scenarios and registrations', responses: { '200': 'Reset' } },
  },
  '/api/requests': {
    get: { summary: 'Requests received, with their responses (query: callId, method, user, code, since, limit)', responses: { '200': 'Object' } },
    delete: { summary: 'Clear the journal', responses: { '200': 'Object' } },
  },
  '/api/requests/count': { get: { summary: 'How many journal entries match the same filters', responses: { '200': 'Object' } } },
  '/api/events': { get: { summary: 'Server-Sent Events: journal entries as they happen', responses: { '200': 'Object' } } },
  '/api/openapi.json': { get: { summary: 'This description', responses: { '200': 'Object' } } },
  '/api/docs': { get: { summary: 'This description as an HTML page', responses: { '200': 'Object' } } },
};

function schemas(): Record<string, unknown> {
  const json = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  const stub = json(stubSchema);
  const stored = { allOf: [{ $ref: '#/components/schemas/Stub' }, { type: 'object', properties: { id: { type: 'string' }, origin: { enum: ['config', 'api'] }, matches: { type: 'integer' } }, required: ['id', 'origin', 'matches'] }] };
  return {
    Stub: stub,
    StoredStub: stored,
    StubList: { type: 'object', properties: { stubs: { type: 'array', items: { $ref: '#/components/schemas/StoredStub' } } } },
    Deleted: { type: 'object', properties: { deleted: { type: 'integer' } } },
    ScenarioStateBody: json(scenarioStateSchema),
    ScenarioState: { type: 'object', properties: { name: { type: 'string' }, state: { type: 'string' } } },
    Scenarios: { type: 'object', properties: { scenarios: { type: 'object', additionalProperties: { type: 'string' } } } },
    Reset: { type: 'object', properties: { reset: { type: 'boolean' } } },
    Error: { type: 'object', properties: { error: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } }, required: ['error'] },
    Object: { type: 'object' },
  };
}

function operation(op: Operation, path: string): Record<string, unknown> {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  return {
    summary: op.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }),
    responses: Object.fromEntries(Object.entries(op.responses).map(([code, name]) => [code, { description: name, content: { 'application/json': { schema: ref(name) } } }])),
  };
}

let built: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  built ??= {
    openapi: '3.1.0',
    info: { title: 'sip4xx control plane', version: VERSION, description: 'Stubs, scenarios, faults and the request journal of a sip4xx server (README, "Control plane").' },
    components: {
      schemas: schemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'admin.token; not needed on a loopback admin address without one' } },
    },
    security: [{}, { bearer: [] }],
    paths: Object.fromEntries(
      Object.entries(OPERATIONS).map(([path, ops]) => [path, Object.fromEntries(Object.entries(ops).map(([m, op]) => [m, operation(op, path)]))]),
    ),
  };
  return built;
}
