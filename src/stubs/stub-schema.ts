/**
 * The one schema of a stub: a configured rule (`rules` in config/default.yaml) and a stub added over
 * the admin API (README, "Control plane") are the same thing, validated by the same zod schema and
 * described by the same JSON Schema (src/admin/api/openapi.ts). Every string and list is bounded in
 * bytes and count: stubs come from the network too once the API is open.
 */
import { z } from 'zod';
import { parseCidr } from '../net/cidr.js';

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const token = z.string().max(64).regex(TOKEN, 'must be a SIP token');
const headerName = z.string().min(1).max(64).regex(TOKEN, 'must be a header name');
const name = z.string().min(1).max(1024);
const stateName = z.string().min(1).max(64);
const mediaType = z.string().max(128).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as application/sdp');

/** A regular expression (matched against request text, never built from it), at most 1 KiB. */
const regex = z
  .string()
  .max(1024)
  .refine((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression');

const cidr = z
  .string()
  .max(64)
  .refine((s) => parseCidr(s) !== undefined, 'must be an IP address or CIDR network such as 10.0.0.0/8');

/** A text condition: a bare string is a regular expression; `{ equals }` compares exactly. */
const textMatch = z.union([regex, z.object({ equals: z.string().max(1024) }).strict(), z.object({ regex }).strict()]);

const headerValues = z.record(headerName, z.string().max(1024)).refine((h) => Object.keys(h).length <= 16, 'at most 16 headers');

export const matchSchema = z
  .object({
    method: z.union([token, z.array(token).min(1).max(32)]).optional(),
    /** Request-URI user part (unescaped, §19.1.4). */
    user: textMatch.optional(),
    /** Request-URI host (lower case, an IPv6 reference without brackets). */
    domain: textMatch.optional(),
    toUser: textMatch.optional(),
    fromUser: textMatch.optional(),
    /** One header: present (default) or absent, and a regular expression on any of its values. */
    header: z.object({ name: headerName, present: z.boolean().optional(), regex: regex.optional() }).strict().optional(),
    /** Several headers, name → regular expression, each matching one of its values. */
    headers: z
      .record(headerName, regex)
      .refine((h) => Object.keys(h).length <= 16, 'at most 16 headers')
      .optional(),
    callId: regex.optional(),
    body: regex.optional(),
    transport: z.enum(['udp', 'tcp', 'tls', 'ws', 'wss']).optional(),
    source: z.union([cidr, z.array(cidr).min(1).max(32)]).optional(),
  })
  .strict();

const body = z.object({ type: mediaType, content: z.string().max(16_384) }).strict();

export const provisionalSchema = z
  .object({ code: z.number().int().min(100).max(199), reason: name.optional(), headers: headerValues.optional(), body: body.optional() })
  .strict();

export const responseSchema = z
  .object({
    code: z.number().int().min(200).max(699),
    reason: name.optional(),
    headers: headerValues.optional(),
    body: body.optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** Sent first, in order, to an INVITE (§8.2.6.1: no provisionals to other methods). */
    provisional: z.array(provisionalSchema).max(4).optional(),
  })
  .strict();

export const FAULTS = ['drop', 'provisional-only', 'close', 'malformed'] as const;
export type Fault = (typeof FAULTS)[number];

export const faultSchema = z.object({ fault: z.enum(FAULTS) }).strict();

const step = z.union([responseSchema, faultSchema]);

export const stubSchema = z
  .object({
    name: name.optional(),
    /** Lower wins; among equals the stub added last (README, "Control plane"). */
    priority: z.number().int().min(0).max(1_000_000).optional(),
    match: matchSchema.optional(),
    /** One answer, a sequence (each match takes the next, the last repeats), or a fault. */
    respond: z.union([step, z.array(step).min(1).max(32)]).optional(),
    /** The stub expires after this many matches. */
    times: z.number().int().min(1).max(1_000_000_000).optional(),
    scenario: z.object({ name: stateName, requiredState: stateName.optional(), newState: stateName.optional() }).strict().optional(),
  })
  .strict()
  .refine((s) => s.respond !== undefined || s.scenario?.newState !== undefined, 'needs respond, or a scenario newState to move');

export type StubInput = z.infer<typeof stubSchema>;
export type StubMatch = z.infer<typeof matchSchema>;
export type StubResponse = z.infer<typeof responseSchema>;
export type StubStep = StubResponse | { readonly fault: Fault };

/** The steps of a stub's `respond`, a list even for one answer. */
export function stepsOf(stub: StubInput): readonly StubStep[] {
  const r = stub.respond;
  if (r === undefined) return [];
  return Array.isArray(r) ? r : [r];
}

/** Whether the issues say the value is not of the branch's type at all (not merely wrong inside). */
function rootMismatch(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.some(
    (i) => i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'invalid_union' && i.errors.length > 0 && i.errors.every(rootMismatch))),
  );
}

/** Every problem of an invalid stub, `path: message`; of a union, the branch that came closest. */
export function stubProblems(error: z.ZodError): string[] {
  const out: string[] = [];
  const walk = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // A branch of another type altogether (an object where a list was given) is the wrong
        // one; of the rest, the one with the fewest problems.
        const rank = (b: readonly z.core.$ZodIssue[]) => (rootMismatch(b) ? 1000 : 0) + b.length;
        const closest = issue.errors.reduce((a, b) => (rank(b) < rank(a) ? b : a));
        if (closest.length > 0) {
          walk(closest, path);
          continue;
        }
      }
      out.push(`${path.length === 0 ? '(stub)' : path.map(String).join('.')}: ${issue.message}`);
    }
  };
  walk(error.issues, []);
  return out.slice(0, 32);
}
