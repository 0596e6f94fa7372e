/**
 * What each event package we serve publishes and notifies: the body type a PUBLISH must carry
 * (RFC 3903 §6 step 5: "If the content type of the request does not match the event package …
 * 415") and the body of a NOTIFY when nothing was published (RFC 6665 §4.2.2: every NOTIFY of an
 * active subscription carries the package's state).
 */

export interface EventBody {
  readonly type: string;
  readonly body: Buffer;
}

/** Body media types per package: PIDF (RFC 3863 §4, RFC 3856 §6.7), RFC 3842 §4, RFC 4235 §4. */
const BODY_TYPES: Readonly<Record<string, readonly string[]>> = {
  presence: ['application/pidf+xml'],
  'message-summary': ['application/simple-message-summary'],
  dialog: ['application/dialog-info+xml'],
};

/** The body types a package's state comes in; empty for a package with no known body format. */
export function bodyTypesOf(pkg: string): readonly string[] {
  return Object.hasOwn(BODY_TYPES, pkg) ? (BODY_TYPES[pkg] as readonly string[]) : [];
}

/** XML attribute text: the entity is a URI built from the request, so it is escaped, never trusted. */
function xmlAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The state of a resource nobody published: an empty PIDF document (RFC 3863 §4.1.1: a presence
 * element with its entity and zero or more tuples), "no messages waiting" (RFC 3842 §5.2), or a
 * full dialog-info document listing no dialogs (RFC 4235 §4.1: version counts NOTIFYs from 0).
 */
export function defaultBody(pkg: string, entity: string, version: number): EventBody | undefined {
  switch (pkg) {
    case 'presence':
      return xml(
        'application/pidf+xml',
        `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${xmlAttr(entity)}"/>`,
      );
    case 'message-summary':
      return { type: 'application/simple-message-summary', body: Buffer.from('Messages-Waiting: no\r\n', 'latin1') };
    case 'dialog':
      return xml(
        'application/dialog-info+xml',
        `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="${xmlAttr(entity)}"/>`,
      );
    default:
      return undefined;
  }
}

function xml(type: string, element: string): EventBody {
  return { type, body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\r\n${element}\r\n`, 'utf8') };
}
