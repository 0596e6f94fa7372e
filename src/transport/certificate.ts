/**
 * The certificate TLS and WSS present (RFC 3261 §26.2.1: the server proves its identity with a
 * certificate). Configured PEM files are read at start and on every reload, so a renewed
 * certificate is picked up by SIGHUP; with none configured a self-signed one is generated once,
 * naming every name and address this server answers to (subjectAltName), so the defaults serve
 * TLS with no setup and a client can pin it by the logged SHA-256 fingerprint.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

export interface TlsFiles {
  /** PEM file paths; empty cert and key: generate. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface Credentials {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  /** SHA-256 of the DER certificate, colon-separated hex (as `openssl x509 -fingerprint -sha256`). */
  readonly fingerprint: string;
  readonly generated: boolean;
}

/** A generated certificate is valid this long; a restart makes a new one. */
const GENERATED_DAYS = 365;
/** A name longer than a DNS name (RFC 1035 §2.3.4) is not put in the certificate. */
const MAX_NAME_BYTES = 253;
const MAX_NAMES = 64;

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Reads the configured files; throws with the path of the one that cannot be read. */
export function readCredentials(files: TlsFiles): Credentials {
  const read = (what: string, path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`server.tls.${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const cert = read('cert', files.cert);
  const key = read('key', files.key);
  const ca = files.ca === '' ? undefined : read('ca', files.ca);
  let fingerprint: string;
  try {
    fingerprint = fingerprintOf(cert);
  } catch (err) {
    throw new Error(`server.tls.cert: ${files.cert} holds no PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key, ...(ca === undefined ? {} : { ca }), fingerprint, generated: false };
}

/** The names for a generated certificate: ours first, then loopback, each once, bounded. */
export function certificateNames(configured: readonly string[]): string[] {
  const names = new Set<string>();
  for (const raw of [...configured, hostname(), 'localhost', '127.0.0.1', '::1']) {
    const name = raw.replace(/^\[|\]$/g, '').toLowerCase();
    if (name === '' || name === '0.0.0.0' || name === '::' || Buffer.byteLength(name) > MAX_NAME_BYTES) continue;
    names.add(name);
    if (names.size >= MAX_NAMES) break;
  }
  return [...names];
}

export async function generateCredentials(names: readonly string[]): Promise<Credentials> {
  const { generate } = await import('selfsigned');
  const altNames = names.map((n) => (isIP(n) === 0 ? { type: 2 as const, value: n } : { type: 7 as const, ip: n }));
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + GENERATED_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert), generated: true };
}
