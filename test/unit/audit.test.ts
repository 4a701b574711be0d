import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditEvents } from '../../src/server/audit.js';
import type { Logger } from '../../src/shared/logger.js';

function recording(): { logger: Logger; lines: [string, Record<string, unknown>, string][] } {
  const lines: [string, Record<string, unknown>, string][] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push([level, fields as Record<string, unknown>, message]);
    };
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
  };
}

describe('auditEvents: account states', () => {
  it('records the state and whether the password was proved, whatever the client saw', () => {
    const { logger, lines } = recording();
    const audit = auditEvents(logger);
    audit.tokenRequest?.({
      outcome: 'refused',
      username: 'alice',
      code: 'ERR_INVALID_CREDENTIALS',
      accountState: 'password_expired',
      passwordVerified: true,
    });
    audit.tokenRequest?.({ outcome: 'refused', username: 'bob', code: 'ERR_INVALID_CREDENTIALS' });
    assert.deepEqual(lines, [
      [
        'info',
        {
          event: 'token_refused',
          audit: true,
          username: 'alice',
          outcome: 'refused',
          reason: 'ERR_INVALID_CREDENTIALS',
          accountState: 'password_expired',
          passwordVerified: true,
        },
        'Token refused: password_expired',
      ],
      [
        'info',
        {
          event: 'token_refused',
          audit: true,
          username: 'bob',
          outcome: 'refused',
          reason: 'ERR_INVALID_CREDENTIALS',
        },
        'Token refused',
      ],
    ]);
  });
});

describe('auditEvents: issued tokens', () => {
  it('records what was typed and the subject the directory gave it', () => {
    const { logger, lines } = recording();
    auditEvents(logger).tokenRequest?.({
      outcome: 'issued',
      username: 'EXAMPLE\\Alice',
      subject: 'alice',
      expiresIn: 3600,
    });
    assert.deepEqual(lines, [
      [
        'info',
        {
          event: 'token_issued',
          audit: true,
          username: 'EXAMPLE\\Alice',
          subject: 'alice',
          expiresIn: 3600,
        },
        'Token issued',
      ],
    ]);
  });
});
