/**
 * The shape of sip4xx configuration. Defaults live in config/default.yaml only; this schema says
 * what is valid, so a bad file is refused with the path of every bad key at once.
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const token = z.string().regex(/^[A-Za-z0-9\-.!%*_+`'~]+$/, 'must be a SIP token');
const statusCode = z.number().int().min(100).max(699);

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1),
        port,
        udp: z.boolean(),
        tcp: z.boolean(),
        serverHeader: z.string(),
        aliases: z.array(z.string().min(1)),
      })
      .strict(),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      })
      .strict(),
    limits: z
      .object({
        maxRequestUriBytes: positiveInt,
        maxBodyBytes: z.number().int().min(0),
        maxHeaderBytes: positiveInt,
        maxUdpMessageBytes: z.number().int().min(512).max(65535),
        tcp: z.object({ maxConnections: positiveInt, idleTimeoutMs: positiveInt }).strict(),
      })
      .strict(),
    sip: z
      .object({
        uriSchemes: z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'must be a lower-case URI scheme')),
        allow: z.array(token),
        supported: z.array(token),
        accept: z.array(z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as application/sdp')),
        optionsMaxForwardsZero: z.union([z.literal(200), z.literal(483)]),
      })
      .strict(),
    catalogue: z
      .object({
        retryAfter: z.number().int().min(0),
        realm: z.string(),
        unsupported: z.array(token).min(1),
        require: z.array(token).min(1),
        minSE: z.number().int().min(90),
        minExpires: z.number().int().min(1),
        allowEvents: z.array(token).min(1),
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
    calls: z.object({ ringMs: z.number().int().min(0), slowMs: z.number().int().min(0) }).strict(),
    users: z.record(
      z.string().min(1),
      z.object({ behaviour: z.enum(['busy', 'ringing', 'answer', 'slow']) }).strict(),
    ),
    defaultResponse: z.object({ code: statusCode, reason: z.string().min(1) }).strict(),
    pipeline: z.array(z.string().min(1)),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
