import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BerReader, BerWriter, BindResponse } from 'ldapts';
import {
  decodePasswordPolicyResponse,
  PASSWORD_POLICY_ERRORS,
  PasswordPolicyControl,
  type PasswordPolicyResponse,
} from '../../src/ldap/password-policy-control.js';

/** Encodes a response value as slapd does (ppolicy.c, `ber_printf(ber, "{" ... "N}")`). */
function encode(response: { warning?: ['time' | 'grace', number]; error?: number }): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  if (response.warning) {
    writer.startSequence(0xa0);
    writer.writeInt(response.warning[1], response.warning[0] === 'time' ? 0x80 : 0x81);
    writer.endSequence();
  }
  if (response.error !== undefined) writer.writeInt(response.error, 0x81);
  writer.endSequence();
  return Buffer.from(writer.buffer);
}

const maxInt = 2 ** 31 - 1;
const responses = fc.record(
  {
    warning: fc.tuple(
      fc.constantFrom('time' as const, 'grace' as const),
      fc.integer({ min: 0, max: maxInt }),
    ),
    error: fc.integer({ min: 0, max: 127 }),
  },
  { requiredKeys: [] },
);

describe('decodePasswordPolicyResponse', () => {
  it("reads slapd's encodings: the bare sequence, each warning, each error", () => {
    assert.deepEqual(decodePasswordPolicyResponse(Buffer.from([0x30, 0x00])), {});
    // accountLocked, as slapd sends it with ppolicy_use_lockout: 30 03 81 01 01
    assert.deepEqual(decodePasswordPolicyResponse(Buffer.from('3003810101', 'hex')), {
      error: 'accountLocked',
    });
    assert.deepEqual(decodePasswordPolicyResponse(encode({ warning: ['time', 3600] })), {
      timeBeforeExpiration: 3600,
    });
    assert.deepEqual(decodePasswordPolicyResponse(encode({ warning: ['grace', 2], error: 0 })), {
      graceAuthNsRemaining: 2,
      error: 'passwordExpired',
    });
    assert.deepEqual(decodePasswordPolicyResponse(encode({ error: 2 })), {
      error: 'changeAfterReset',
    });
    assert.deepEqual(decodePasswordPolicyResponse(encode({ error: 42 })), { unknownError: 42 });
  });

  it('round-trips every well-formed value', () => {
    fc.assert(
      fc.property(responses, (response) => {
        const expected: PasswordPolicyResponse = {};
        if (response.warning?.[0] === 'time') expected.timeBeforeExpiration = response.warning[1];
        if (response.warning?.[0] === 'grace') expected.graceAuthNsRemaining = response.warning[1];
        if (response.error !== undefined) {
          const name = PASSWORD_POLICY_ERRORS[response.error];
          if (name) expected.error = name;
          else expected.unknownError = response.error;
        }
        assert.deepEqual(decodePasswordPolicyResponse(encode(response)), expected);
      }),
    );
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodePasswordPolicyResponse(Buffer.from(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses what is not the structure: truncation, trailing bytes, wrong tags, negatives', () => {
    fc.assert(
      fc.property(responses, fc.integer({ min: 1, max: 20 }), (response, cut) => {
        const full = encode(response);
        if (cut < full.length) {
          assert.equal(
            decodePasswordPolicyResponse(full.subarray(0, full.length - cut)),
            undefined,
          );
        }
        assert.equal(
          decodePasswordPolicyResponse(Buffer.concat([full, Buffer.from([0])])),
          undefined,
        );
      }),
    );
    for (const hex of [
      '',
      '00',
      '3103810101',
      '3003820101',
      '3005a0038201ff',
      '3005a0038001ff',
      '30038101ff',
    ]) {
      assert.equal(decodePasswordPolicyResponse(Buffer.from(hex, 'hex')), undefined, hex);
    }
    // Two errors, or the warning after the error.
    assert.equal(decodePasswordPolicyResponse(Buffer.from('3006810101810100', 'hex')), undefined);
    assert.equal(
      decodePasswordPolicyResponse(Buffer.from('3008810101a0038001ff', 'hex')),
      undefined,
    );
  });
});

describe('PasswordPolicyControl', () => {
  it('is sent without a value and without criticality', () => {
    const writer = new BerWriter();
    new PasswordPolicyControl().write(writer);
    const reader = new BerReader(Buffer.from(writer.buffer));
    reader.readSequence();
    assert.equal(reader.readString(), '1.3.6.1.4.1.42.2.27.8.5.1');
    assert.equal(reader.readBoolean(), false);
    assert.equal(reader.remain, 0);
  });

  it("receives the server's response control when ldapts parses the bind response", () => {
    // A bindResponse (invalidCredentials) carrying the response control, as slapd sends it.
    const writer = new BerWriter();
    writer.startSequence(0x61); // [APPLICATION 1] BindResponse
    writer.writeEnumeration(49);
    writer.writeString('');
    writer.writeString('');
    writer.endSequence();
    writer.startSequence(0xa0); // controls
    writer.startSequence();
    writer.writeString(PasswordPolicyControl.type);
    writer.writeBuffer(Buffer.from('3003810101', 'hex'), 0x04);
    writer.endSequence();
    writer.endSequence();
    const control = new PasswordPolicyControl();
    control.write(new BerWriter()); // as the request is sent
    const response = new BindResponse({ messageId: 1 });
    const reader = new BerReader(Buffer.from(writer.buffer));
    reader.readSequence(0x61); // as ldapts's MessageParser does before handing the message over
    response.parse(reader, [control]);
    assert.equal(response.status, 49);
    assert.deepEqual(control.response, { error: 'accountLocked' });
    // Sent again (a retry on a new connection): the old answer is forgotten.
    control.write(new BerWriter());
    assert.equal(control.response, undefined);
  });
});
