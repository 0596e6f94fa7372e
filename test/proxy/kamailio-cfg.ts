/**
 * A minimal stock-style Kamailio configuration in front of sip4xx: initial requests are
 * Record-Routed (INVITE) and forwarded to sip4xx by setting the destination URI ($du), in-dialog
 * requests follow loose_route (RFC 3261 §16.12, §16.4) to their Request-URI — the Contact sip4xx
 * gave in its 2xx. No database modules, no fork, logs on stderr.
 */
export interface ProxyPorts {
  /** Where Kamailio listens (UDP and TCP, 127.0.0.1). */
  readonly proxy: number;
  /** Where sip4xx listens. */
  readonly sip4xx: number;
}

export function kamailioCfg(p: ProxyPorts, runDir: string): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${p.proxy}
listen=tcp:127.0.0.1:${p.proxy}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:${runDir}/kamailio_ctl")
modparam("rr", "enable_double_rr", 1)

request_route {
  xlog("L_NOTICE", "proxy-in $rm $ru from $si:$sp/$pr\\n");
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { route(RELAY); exit; }
    if (is_method("ACK")) { if (t_check_trans()) route(RELAY); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) route(RELAY); exit; }
  t_check_trans();
  if (is_method("INVITE|SUBSCRIBE")) record_route();
  $du = "sip:127.0.0.1:${p.sip4xx};transport=" + $pr;
  route(RELAY);
}

route[RELAY] {
  xlog("L_NOTICE", "proxy-out $rm $ru du=$du\\n");
  if (!t_relay()) sl_reply_error();
  exit;
}
`;
}
