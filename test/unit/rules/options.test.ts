import { describe, expect, it } from 'vitest';
import { optionsRule } from '../../../src/rules/options.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

describe('options rule (RFC 3261 §11.2)', () => {
  it('answers 200 with Allow, Accept, Accept-Encoding, Accept-Language and Supported to an OPTIONS for the server (§11.2)', () => {
    expect(optionsRule.check(requestOf({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }), ruleContext())).toEqual({
      status: 200,
      headers: [
        ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, MESSAGE, INFO, UPDATE, REFER, PRACK, PUBLISH'],
        ['Accept', 'application/sdp, text/plain'],
        ['Accept-Encoding', 'identity'],
        ['Accept-Language', 'en'],
        ['Supported', 'path, timer'],
      ],
    });
  });

  it('reflects the configured allow, accept and supported lists (§11.2)', () => {
    const ctx = ruleContext({ config: { sip: { allow: ['OPTIONS'], accept: ['application/sdp', 'text/plain'], supported: ['100rel'] } } });
    const headers = optionsRule.check(requestOf({ method: 'OPTIONS', uri: 'sips:example.com;transport=tcp' }), ctx)?.headers;
    expect(headers).toContainEqual(['Allow', 'OPTIONS']);
    expect(headers).toContainEqual(['Accept', 'application/sdp, text/plain']);
    expect(headers).toContainEqual(['Supported', '100rel']);
  });

  it('lets an OPTIONS for a user through to the other rules (§11.2)', () => {
    expect(optionsRule.check(requestOf({ method: 'OPTIONS', uri: 'sip:486@127.0.0.1' }), ruleContext())).toBeUndefined();
  });

  it('lets other methods to the server through', () => {
    expect(optionsRule.check(requestOf({ method: 'INVITE', uri: 'sip:127.0.0.1' }), ruleContext())).toBeUndefined();
  });
});
