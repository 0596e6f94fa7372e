import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { accessMode, checkAccess, describeAccess, isLoopbackHost, tokenMatches } from '../../../src/admin/api/access.js';

const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('who may use /api', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.0.2.7', false],
    ['admin.example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('is open on loopback without a token, needs the token once one is set, and is refused elsewhere without one', () => {
    expect(accessMode('127.0.0.1', '')).toBe('open');
    expect(accessMode('127.0.0.1', 's3cret')).toBe('token');
    expect(accessMode('0.0.0.0', 's3cret')).toBe('token');
    expect(accessMode('0.0.0.0', '')).toBe('refused');
    expect(describeAccess('refused', '0.0.0.0')).toBe('admin API refused: 0.0.0.0 is not loopback and no admin.token (SIP4XX_ADMIN_TOKEN) is set');
  });

  it('compares tokens whatever their lengths, and never accepts an empty expected token', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cre', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret-and-more', 's3cret')).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
  });

  it('refuses off loopback with 403 and a plain message; asks for the bearer token with 401 and a challenge (RFC 6750 §3)', () => {
    expect(checkAccess(request(), 'refused', '', '0.0.0.0')).toEqual({
      status: 403,
      message: 'admin API refused: 0.0.0.0 is not loopback and no admin.token (SIP4XX_ADMIN_TOKEN) is set\n',
      headers: {},
    });
    expect(checkAccess(request(), 'token', 's3cret', '0.0.0.0')?.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="sip4xx"' });
    expect(checkAccess(request('Bearer nope'), 'token', 's3cret', '0.0.0.0')?.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="sip4xx", error="invalid_token"' });
    expect(checkAccess(request('Basic czNjcmV0'), 'token', 's3cret', '0.0.0.0')?.status).toBe(401);
    expect(checkAccess(request('Bearer s3cret'), 'token', 's3cret', '0.0.0.0')).toBeUndefined();
    expect(checkAccess(request(), 'open', '', '127.0.0.1')).toBeUndefined();
  });
});
