/** The control plane of a running server: its stubs, journal, configuration and registrar. */
import type { Sip4xxServer } from '../../server.js';
import type { ControlPlane } from './router.js';

export function controlPlaneOf(server: Sip4xxServer): ControlPlane {
  const services = server.core.services;
  return {
    stubs: services.stubs,
    journal: server.journal,
    config: () => server.config(),
    resetRegistrations: () => services.registrar.close(),
    listeners: () => {
      const main = server.address();
      const { tls, ws, wss } = server.secure;
      return { udp: main, tcp: main, tls: tls?.address(), ws: ws?.address(), wss: wss?.address() };
    },
  };
}
