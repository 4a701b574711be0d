import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  UnwillingToPerformError,
} from 'ldapts';
import { describeCertificate } from '../../src/cli/check/connection-checks.js';
import { resultText } from '../../src/cli/check/result-codes.js';
import {
  type CheckReport,
  failed,
  formatReport,
  passed,
  skipped,
} from '../../src/cli/check/steps.js';

describe('resultText', () => {
  it("names the result and keeps the server's own message", () => {
    assert.equal(resultText(new NoSuchObjectError('')), 'noSuchObject (32)');
    assert.equal(
      resultText(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09044E, data 52e, v4563')),
      'invalidCredentials (49): 80090308: LdapErr: DSID-0C09044E, data 52e, v4563',
    );
    assert.equal(resultText(new InsufficientAccessError('')), 'insufficientAccessRights (50)');
    assert.equal(resultText(new UnwillingToPerformError('no')), 'unwillingToPerform (53): no');
    assert.equal(resultText(new Error('socket hang up')), 'socket hang up');
  });
});

describe('formatReport', () => {
  const report: CheckReport = {
    ok: false,
    steps: [
      passed('reach', 'reach ldap://a', 'TCP connection'),
      failed('search', 'search LDAP_TOP_DN', 'refused', 'check LDAP_TOP_DN', ['LDAP_TOP_DN']),
      skipped('user', 'user alice', 'not run'),
    ],
  };

  it('one line per step with its mark, the hint indented under a failure', () => {
    assert.equal(
      formatReport(report),
      [
        '✓ reach ldap://a: TCP connection',
        '✗ search LDAP_TOP_DN: refused',
        '    hint: check LDAP_TOP_DN',
        '– user alice: not run',
        '',
        '1 check failed.',
        '',
      ].join('\n'),
    );
  });

  it('counts the failures, whatever the steps', () => {
    const step = fc.oneof(
      fc.constant(passed('a', 'a', 'ok')),
      fc.constant(failed('b', 'b', 'no', 'hint', [])),
      fc.constant(skipped('c', 'c', 'skip')),
    );
    fc.assert(
      fc.property(fc.array(step), (steps) => {
        const failures = steps.filter((candidate) => candidate.status === 'fail').length;
        const text = formatReport({ ok: failures === 0, steps });
        assert.equal(text.split('\n').filter((line) => line.startsWith('✗')).length, failures);
        assert.equal(
          text.split('\n').filter((line) => line.startsWith('    hint:')).length,
          failures,
        );
        if (failures === 0) assert.match(text, /All checks passed\.\n$/);
        else assert.match(text, new RegExp(`${failures} checks? failed\\.\\n$`));
      }),
    );
  });
});

describe('describeCertificate', () => {
  const NOW = Date.parse('2026-11-29T00:00:00Z');
  const certificate = (validTo: string) =>
    ({
      subject: { CN: 'ldap.example.org' },
      issuer: { CN: 'Example CA', O: 'Example' },
      subjectaltname: 'DNS:ldap.example.org',
      valid_to: validTo,
    }) as unknown as Parameters<typeof describeCertificate>[0];

  it('subject, issuer, names and the time left; SOON within 14 days; EXPIRED after', () => {
    const later = describeCertificate(certificate('Jun  1 00:00:00 2027 GMT'), NOW);
    assert.match(
      later.text,
      /^CN=ldap\.example\.org, issued by Example CA, valid until 2027-06-01T00:00:00\.000Z \(184 days left\)$/,
    );
    assert.deepEqual(later.fields, {
      subject: 'ldap.example.org',
      issuer: 'Example CA',
      subjectAltName: 'DNS:ldap.example.org',
      validTo: '2027-06-01T00:00:00.000Z',
      daysLeft: 184,
    });
    assert.match(
      describeCertificate(certificate('Dec  2 00:00:00 2026 GMT'), NOW).text,
      /expires SOON, in 3 days/,
    );
    assert.match(
      describeCertificate(certificate('Nov 28 00:00:00 2026 GMT'), NOW).text,
      /\(EXPIRED\)$/,
    );
    assert.equal(describeCertificate(undefined).text, 'unknown');
  });
});
