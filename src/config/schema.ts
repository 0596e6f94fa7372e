/**
 * The shape of sip4xx configuration. Defaults live in config/default.yaml only; this schema says
 * what is valid, so a bad file is refused with the path of every bad key at once.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseHostPort } from '../sip/parse-host.js';
import { stubSchema } from '../stubs/stub-schema.js';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
/** server.workers at most: journal ids carry the worker's index below this (src/cluster/journal-merge.ts). */
export const MAX_WORKERS = 1024;
const seconds = z.number().int().min(0);
const token = z.string().regex(/^[A-Za-z0-9\-.!%*_+`'~]+$/, 'must be a SIP token');
const statusCode = z.number().int().min(100).max(699);
const mediaType = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as application/sdp');

/** An address or network: "10.0.0.0/8", "::1/128", or a bare address. */
export const cidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}, 'must be an IP address or CIDR network such as 10.0.0.0/8');

export const BEHAVIOURS = ['busy', 'ringing', 'answer', 'slow', 'gone', 'forbidden', 'unavailable', 'ambiguous', 'moved'] as const;

/**
 * Digest algorithms to offer, most preferred first, one challenge each. RFC 8760 §2.4: challenges
 * with the same realm "MUST use a different digest algorithm", hence no repeats.
 */
const digestAlgorithms = z
  .array(z.enum(['SHA-256', 'MD5']))
  .min(1)
  .max(2)
  .refine((a) => new Set(a).size === a.length, 'must not name an algorithm twice');

const userSchema = z
  .object({
    /** With a password the user must authenticate (auth.methods) and may REGISTER. */
    password: z.string().min(1).optional(),
    behaviour: z.enum(BEHAVIOURS).optional(),
    /** Methods this user accepts; others get 405 with Allow (§21.4.6). */
    methods: z.array(token).min(1).optional(),
    /** Codecs (rtpmap encoding names) calls to this user accept; overrides sip.codecs (488). */
    codecs: z.array(z.string().min(1)).min(1).optional(),
    /** `moved`: the Contact of the 302; `ambiguous`: the candidates of the 485. "{host}" is filled. */
    contacts: z.array(z.string().min(1)).min(1).optional(),
    /** Retry-After for this user's 480/486 (overrides catalogue.retryAfter). */
    retryAfter: seconds.optional(),
    /** Reason phrase of this user's failure (e.g. a 480 with "Gone Fishing", §21.4.18). */
    reason: z.string().min(1).optional(),
    /** Digest algorithms this user is challenged with and may answer (overrides auth.algorithms). */
    algorithms: digestAlgorithms.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1),
        port,
        udp: z.boolean(),
        tcp: z.boolean(),
        /** SIP over TLS (RFC 3261 §26): port 0 disables; no cert/key: a generated self-signed one. */
        tls: z
          .object({ port, cert: z.string(), key: z.string(), ca: z.string(), requestClientCert: z.boolean() })
          .strict()
          .refine((t) => (t.cert === '') === (t.key === ''), 'cert and key go together: give both PEM files or neither'),
        /** SIP over WebSocket (RFC 7118), plain and over TLS with the certificate above; 0 disables. */
        ws: z.object({ port }).strict(),
        wss: z.object({ port }).strict(),
        serverHeader: z.string(),
        aliases: z.array(z.string().min(1)),
        // host[:port] put in the Contacts that point at us; empty: the address a request arrived on.
        advertise: z
          .string()
          .max(255)
          .refine((a) => a === '' || parseHostPort(a, 0, a.length) !== undefined, 'must be host or host:port'),
        drainTimeoutMs: z.number().int().min(0),
        /** Processes serving the same ports (README, "Workers"): a count, or auto (one per CPU). */
        workers: z.union([positiveInt.max(MAX_WORKERS), z.literal('auto')]),
      })
      .strict(),
    /** token: bearer token of /api (required off loopback); maxStubs: configured + API stubs. */
    admin: z.object({ host: z.string().min(1), port, token: z.string().max(1024), maxStubs: positiveInt.max(100_000) }).strict(),
    /** The request journal behind GET /api/requests (src/journal/): bounded by count and bytes. */
    journal: z.object({ enabled: z.boolean(), maxEntries: positiveInt, maxBytes: positiveInt }).strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), pretty: z.boolean() }).strict(),
    limits: z
      .object({
        maxRequestUriBytes: positiveInt,
        maxBodyBytes: z.number().int().min(0),
        /** > 0: the body limit is temporary and 413 carries Retry-After with this many seconds. */
        tooLargeRetryAfter: seconds,
        maxHeaderBytes: positiveInt,
        maxUdpMessageBytes: z.number().int().min(512).max(65535),
        tcp: z
          .object({ maxConnections: positiveInt, maxConnectionsPerAddress: positiveInt, idleTimeoutMs: positiveInt, messageTimeoutMs: positiveInt })
          .strict(),
        /** Contacts of a 3xx/485 (§8.3, §21.4.23); over UDP a response over udpResponseBytes sheds Contacts. */
        contactList: z.object({ maxCount: positiveInt, maxBytes: positiveInt }).strict(),
        udpResponseBytes: z.number().int().min(512).max(65507),
        /** Byte budgets of the tables that grow with traffic; over one, the oldest entry goes first. */
        memory: z.object({ transactionsBytes: positiveInt, dialogsBytes: positiveInt, bindingsBytes: positiveInt }).strict(),
      })
      .strict(),
    sip: z
      .object({
        uriSchemes: z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'must be a lower-case URI scheme')),
        allow: z.array(token),
        supported: z.array(token),
        required: z.array(token),
        accept: z.array(mediaType),
        acceptEncodings: z.array(token).min(1),
        acceptLanguages: z.array(z.string().regex(/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag')).min(1),
        codecs: z.array(z.string().min(1)).min(1),
        events: z.array(token),
        minSE: z.number().int().min(90),
        optionsMaxForwardsZero: z.union([z.literal(200), z.literal(483)]),
      })
      .strict(),
    domains: z.array(z.string().min(1)).min(1),
    users: z.record(z.string().min(1), userSchema),
    aliases: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)),
    privacy: z.boolean(),
    dialPlan: z.array(z.object({ prefix: z.string().regex(/^[0-9*#+]*$/, 'must be dial digits'), minDigits: positiveInt }).strict()),
    acl: z.object({ allow: z.array(cidr), deny: z.array(cidr) }).strict(),
    auth: z
      .object({
        role: z.enum(['uas', 'proxy']),
        realm: z.string(),
        algorithms: digestAlgorithms,
        methods: z.array(token),
        nonceTtlMs: positiveInt,
        maxNonces: positiveInt,
        /** Back-off for password guessing, per source address (src/auth/failure-throttle.ts). */
        throttle: z
          .object({ maxFailures: positiveInt, windowMs: positiveInt, lockoutMs: positiveInt, maxSources: positiveInt })
          .strict(),
      })
      .strict(),
    registrar: z
      .object({
        minExpires: positiveInt,
        maxExpires: positiveInt,
        defaultExpires: positiveInt,
        maxContactsPerUser: positiveInt,
        /** A Contact value over this many bytes is refused (403), and so are more bytes of them per user. */
        maxContactBytes: positiveInt,
        maxBytesPerUser: positiveInt,
      })
      .strict(),
    events: z
      .object({
        defaultExpires: positiveInt,
        minExpires: positiveInt,
        // Expiry timers run on the clock: 2^31-1 ms is the longest a timer can wait.
        maxExpires: positiveInt.max(2147483),
        maxSubscriptions: positiveInt,
        maxPublications: positiveInt,
        maxBytes: positiveInt,
      })
      .strict(),
    catalogue: z
      .object({
        retryAfter: seconds,
        unsupported: z.array(token).min(1),
        require: z.array(token).min(1),
        ambiguousContacts: z.array(z.string().min(1)).min(1),
      })
      .strict(),
    transactions: z
      .object({
        t1Ms: positiveInt,
        t2Ms: positiveInt,
        t4Ms: positiveInt,
        maxTransactions: positiveInt,
        maxDialogs: positiveInt,
        dialogTtlMs: positiveInt,
      })
      .strict(),
    /** Per-source byte credit for UDP retransmissions (src/net/source-credit.ts). */
    reflection: z
      .object({ ratio: z.number().min(0), burstBytes: z.number().int().min(0), maxCreditBytes: positiveInt, maxSources: positiveInt, maxBytes: positiveInt })
      .strict(),
    calls: z.object({ ringMs: z.number().int().min(0), slowMs: z.number().int().min(0), reinviteMs: z.number().int().min(0) }).strict(),
    /** Echo of answered calls' RTP (src/media/): each call one even port of portMin–portMax. */
    media: z
      .object({
        enabled: z.boolean(),
        portMin: z.number().int().min(1024).max(65534),
        portMax: z.number().int().min(1024).max(65534),
        maxPacketsPerSecond: positiveInt,
        maxBytesPerPacket: z.number().int().min(12).max(65507),
        maxCallSeconds: positiveInt,
        maxSessions: positiveInt,
      })
      .strict(),
    /** Configured rules: the stubs present at start (src/stubs/stub-schema.ts, README "Control plane"). */
    rules: z.array(stubSchema),
    defaultResponse: z.object({ code: statusCode, reason: z.string().min(1) }).strict(),
    pipeline: z.array(z.string().min(1)),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.media.portMin > c.media.portMax) {
      ctx.addIssue({ code: 'custom', path: ['media', 'portMin'], message: 'must not exceed media.portMax' });
    }
    if (c.registrar.minExpires > c.registrar.maxExpires) {
      ctx.addIssue({ code: 'custom', path: ['registrar', 'minExpires'], message: 'must not exceed registrar.maxExpires' });
    }
    if (c.events.minExpires > c.events.maxExpires) {
      ctx.addIssue({ code: 'custom', path: ['events', 'minExpires'], message: 'must not exceed events.maxExpires' });
    }
    for (const [alias, targets] of Object.entries(c.aliases)) {
      targets.forEach((t, i) => {
        if (!Object.hasOwn(c.users, t)) ctx.addIssue({ code: 'custom', path: ['aliases', alias, i], message: `names no configured user "${t}"` });
      });
    }
    for (const [name, u] of Object.entries(c.users)) {
      if (u.behaviour === 'moved' && u.contacts === undefined) {
        ctx.addIssue({ code: 'custom', path: ['users', name, 'contacts'], message: 'a moved user needs contacts (the 302 target)' });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type UserConfig = z.infer<typeof userSchema>;
export type CustomRuleConfig = z.infer<typeof stubSchema>;

/**
 * Keys a reload (SIGHUP) cannot change: bound sockets, the log sink, the tables sized at start.
 * Every other key takes effect for the next message (src/config/restart-only.ts has the rest).
 */
export const RESTART_ONLY_KEYS: readonly string[] = [
  'server.host',
  'server.port',
  'server.udp',
  'server.tcp',
  'server.tls.port',
  'server.tls.requestClientCert',
  'server.ws.port',
  'server.wss.port',
  'server.workers',
  'admin.host',
  'admin.port',
  'log.pretty',
  'transactions.maxTransactions',
  'transactions.maxDialogs',
  'limits.memory.transactionsBytes',
  'limits.memory.dialogsBytes',
  'transactions.dialogTtlMs',
  'reflection.maxSources',
  'reflection.maxBytes',
];
