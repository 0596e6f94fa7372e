/**
 * A state machine declared as a table (§17.2.1 Figure 7, §17.2.2 Figure 8): the allowed moves are
 * listed once, and any other move is a bug that is refused loudly rather than silently corrupting
 * the transaction.
 */
export class IllegalTransitionError extends Error {
  readonly code = 'SIP4XX_ILLEGAL_TRANSITION';
  constructor(machine: string, from: string, to: string) {
    super(`${machine}: illegal transition ${from} → ${to}`);
  }
}

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export function checkTransition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(machine, from, to);
}
