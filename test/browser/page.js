/* global window, WebSocket, TextDecoder, setTimeout, clearTimeout, JsSIP */
// Runs in Chromium, loaded by index.html after the JsSIP bundle. The runner (test/browser/run.ts)
// drives it with page.evaluate: window.sip4xxPage.start / register / call. Every SIP message that
// crosses the WebSocket is kept in `trace`, so the runner can check the bytes the browser saw.
(() => {
  const trace = [];
  const MAX_TRACE = 400; // messages; each one cut at 8 KB
  const record = (dir, data) => {
    if (trace.length >= MAX_TRACE) return;
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    trace.push({ dir, text: text.slice(0, 8192) });
  };

  // Every WebSocket the page opens is this one: its frames land in `trace`, its handshake result in `sockets`.
  const sockets = [];
  const NativeWebSocket = WebSocket;
  class TracedWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const entry = { url, asked: protocols, protocol: null, opened: false, closeCode: null };
      sockets.push(entry);
      this.addEventListener('open', () => {
        entry.opened = true;
        entry.protocol = this.protocol;
      });
      this.addEventListener('message', (e) => record('in', e.data));
      this.addEventListener('close', (e) => {
        entry.closeCode = e.code;
      });
    }
    send(data) {
      record('out', data);
      super.send(data);
    }
  }
  window.WebSocket = TracedWebSocket;

  let ua = null;

  /** A UA for alice over `wsUrl`; resolves once its WebSocket is connected. */
  function start(wsUrl, domain) {
    const socket = new JsSIP.WebSocketInterface(wsUrl);
    ua = new JsSIP.UA({ sockets: [socket], uri: `sip:alice@${domain}`, password: 'secret', register: false });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ connected: false, why: 'no connected event within 5 s', sockets }), 5000);
      ua.on('connected', () => {
        clearTimeout(timer);
        resolve({ connected: true, sockets });
      });
      ua.on('disconnected', (e) => {
        clearTimeout(timer);
        resolve({ connected: false, why: `disconnected (code ${e.code ?? '?'}, reason ${e.reason ?? '?'})`, sockets });
      });
      ua.start();
    });
  }

  function register() {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ event: 'none within 8 s' }), 8000);
      const done = (event, e) => {
        clearTimeout(timer);
        resolve({ event, code: e.response?.status_code ?? null, reason: e.response?.reason_phrase ?? null, cause: e.cause ?? null });
      };
      ua.once('registered', (e) => done('registered', e));
      ua.once('registrationFailed', (e) => done('registrationFailed', e));
      ua.register();
    });
  }

  /**
   * Call `target`. then: 'wait' for the end, 'cancel' once it rings (progress), 'hangup' `holdMs`
   * after it is confirmed. Resolves with the session's events in order and its Call-ID.
   */
  function call(target, then, holdMs) {
    return new Promise((resolve) => {
      const events = [];
      let session = null;
      const finish = () => {
        clearTimeout(timer);
        resolve({ events, callId: session?._request?.call_id ?? null });
      };
      const timer = setTimeout(() => {
        events.push({ type: 'timeout' });
        finish();
      }, 15000);
      const note = (type, e) => {
        events.push({
          type,
          originator: e?.originator ?? null,
          cause: e?.cause ?? null,
          code: e?.message?.status_code ?? e?.response?.status_code ?? null,
          reason: e?.message?.reason_phrase ?? e?.response?.reason_phrase ?? null,
        });
      };
      session = ua.call(target, {
        mediaConstraints: { audio: true, video: false },
        eventHandlers: {
          progress: (e) => {
            note('progress', e);
            if (then === 'cancel' && e.response?.status_code === 180) session.terminate();
          },
          accepted: (e) => note('accepted', e),
          confirmed: (e) => {
            note('confirmed', e);
            if (then === 'hangup') setTimeout(() => session.terminate(), holdMs);
          },
          failed: (e) => {
            note('failed', e);
            finish();
          },
          ended: (e) => {
            note('ended', e);
            finish();
          },
        },
      });
    });
  }

  function stop() {
    return new Promise((resolve) => {
      if (!ua) return resolve(false);
      const timer = setTimeout(() => resolve(false), 3000);
      ua.once('disconnected', () => {
        clearTimeout(timer);
        resolve(true);
      });
      ua.stop();
    });
  }

  window.sip4xxPage = { start, register, call, stop, trace: () => trace.slice(), sockets: () => sockets.slice() };
})();
