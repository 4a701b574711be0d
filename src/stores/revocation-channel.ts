// What the revocation store and its views share: the keys' names under the prefix, the channel
// every write is announced on, and the messages' format.

/**
 * The key names of the revocations under a prefix, shared by the store that writes them and the
 * view that reads them back, and the channel every write is announced on.
 */
export class RevocationKeys {
  readonly prefix: string;
  readonly channel: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.channel = `${prefix}revocations`;
  }

  token(jti: string): string {
    return `${this.prefix}revoked:${jti}`;
  }

  user(username: string): string {
    return `${this.prefix}revoked-user:${encodeURIComponent(username)}`;
  }

  session(sid: string): string {
    return `${this.prefix}revoked-session:${sid}`;
  }
}

/**
 * The messages on the channel. The identifier comes last, so it may hold any character.
 * A cut-off carries its lifetime, not its end: each instance counts it from its own clock.
 */
export const announce = {
  token: (jti: string, exp: number) => `t|${exp}|${jti}`,
  tokenReleased: (jti: string) => `d|${jti}`,
  user: (username: string, at: number, forSeconds: number) => `u|${at}|${forSeconds}|${username}`,
  session: (sid: string, until: number) => `s|${until}|${sid}`,
};

/** kind, then the fields after it: `t|exp|jti`, `s|until|sid`, `u|at|for|username`. */
export function splitMessage(message: string): [string, string, string, string | undefined] {
  const kind = message.slice(0, 1);
  const afterKind = message.slice(2);
  const bar = afterKind.indexOf('|');
  const first = afterKind.slice(0, bar);
  const second = afterKind.slice(bar + 1);
  if (kind !== 'u') return [kind, first, second, undefined];
  const bar2 = second.indexOf('|');
  return [kind, first, second.slice(0, bar2), second.slice(bar2 + 1)];
}

/** The prefix as a literal in a SCAN pattern. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
