// The password-policy controls of draft-behera-ldap-password-policy (OpenLDAP's ppolicy overlay,
// 389 Directory Server, FreeIPA): the request control goes with the user's bind, and the server
// answers with a response control of the same OID saying why a bind failed or what to warn of.
import { BerReader, Control, ResultCodeError } from 'ldapts';
import type { PasswordPolicyControlUse } from './settings.js';

/** The response control's `error` field, by its ENUMERATED value (draft-behera, 8.1.3). */
export const PASSWORD_POLICY_ERRORS = [
  'passwordExpired',
  'accountLocked',
  'changeAfterReset',
  'passwordModNotAllowed',
  'mustSupplyOldPassword',
  'insufficientPasswordQuality',
  'passwordTooShort',
  'passwordTooYoung',
  'passwordInHistory',
  'passwordTooLong',
] as const;
export type PasswordPolicyError = (typeof PASSWORD_POLICY_ERRORS)[number];

/** What a password-policy response control says. Every field is optional in the protocol. */
export interface PasswordPolicyResponse {
  /** Warning: seconds until the password expires. */
  timeBeforeExpiration?: number;
  /** Warning: the password has expired, and this many more binds are allowed with it. */
  graceAuthNsRemaining?: number;
  /** Why the bind was refused, or (`changeAfterReset`) what the session is restricted to. */
  error?: PasswordPolicyError;
  /** An `error` value this library has no name for. */
  unknownError?: number;
}

// BER tags of PasswordPolicyResponseValue (the ASN.1 module uses IMPLICIT TAGS, but `warning` is
// a CHOICE, so its [0] is explicit: a constructed tag around the chosen alternative).
const SEQUENCE = 0x30;
const WARNING = 0xa0;
const TIME_BEFORE_EXPIRATION = 0x80;
const GRACE_AUTHNS_REMAINING = 0x81;
const ERROR = 0x81;

/**
 * Decodes the value of a password-policy response control:
 * ```
 * PasswordPolicyResponseValue ::= SEQUENCE {
 *   warning [0] CHOICE { timeBeforeExpiration [0] INTEGER (0 .. maxInt),
 *                        graceAuthNsRemaining [1] INTEGER (0 .. maxInt) } OPTIONAL,
 *   error   [1] ENUMERATED { passwordExpired (0), accountLocked (1), ... } OPTIONAL }
 * ```
 * @returns the fields present, or `undefined` when the value is not such a structure: a server
 *   that sends garbage is treated as one that sent nothing. Never throws.
 */
export function decodePasswordPolicyResponse(value: Buffer): PasswordPolicyResponse | undefined {
  try {
    return decode(new BerReader(value));
  } catch {
    return undefined;
  }
}

function decode(reader: BerReader): PasswordPolicyResponse | undefined {
  if (reader.readSequence(SEQUENCE) === null) return undefined;
  const end = reader.offset + reader.length;
  if (end !== reader.buffer.length) return undefined;
  const response: PasswordPolicyResponse = {};
  let seenWarning = false;
  let seenError = false;
  while (reader.offset < end) {
    const tag = reader.peek();
    if (tag === WARNING && !seenWarning && !seenError) {
      seenWarning = true;
      if (reader.readSequence(WARNING) === null) return undefined;
      const choiceEnd = reader.offset + reader.length;
      const choice = reader.peek();
      if (choice !== TIME_BEFORE_EXPIRATION && choice !== GRACE_AUTHNS_REMAINING) return undefined;
      const count = reader.readTag(choice);
      if (count === null || count < 0 || reader.offset !== choiceEnd) return undefined;
      if (choice === TIME_BEFORE_EXPIRATION) response.timeBeforeExpiration = count;
      else response.graceAuthNsRemaining = count;
    } else if (tag === ERROR && !seenError) {
      seenError = true;
      const error = reader.readTag(ERROR);
      if (error === null || error < 0) return undefined;
      const name = PASSWORD_POLICY_ERRORS[error];
      if (name) response.error = name;
      else response.unknownError = error;
    } else {
      return undefined;
    }
  }
  return reader.offset === end ? response : undefined;
}

/**
 * The password-policy request control (OID 1.3.6.1.4.1.42.2.27.8.5.1, no value). Sent with a
 * bind, it also receives the server's response control: ldapts parses a response control into
 * the request control of the same OID, so after the bind settles, successful or not,
 * `response` holds what the server said (`undefined` when it said nothing). Use one per bind.
 */
export class PasswordPolicyControl extends Control {
  static readonly type = '1.3.6.1.4.1.42.2.27.8.5.1';
  /** The server's response control, once the bind has settled. */
  response: PasswordPolicyResponse | undefined;

  constructor() {
    // Not critical: a directory without password policies ignores it and binds as usual.
    super(PasswordPolicyControl.type, { critical: false });
  }

  /** Written once per attempt; a bind retried on a fresh connection starts without an answer. */
  override write(...args: Parameters<Control['write']>): void {
    this.response = undefined;
    super.write(...args);
  }

  protected override parseControl(reader: BerReader): void {
    this.response = decodePasswordPolicyResponse(reader.remainingBuffer);
  }
}

/**
 * Whether user binds carry the request control. `always` and `never` say so; `auto` asks the
 * root DSE once whether the directory lists the control in `supportedControl` (slapd does when
 * the ppolicy overlay is loaded), since the control costs a directory that ignores it about a
 * tenth of its bind throughput. A directory that refuses to say gets the control (it costs
 * little where it is known and nothing is lost where it is not); one that cannot be reached is
 * asked again at the next login.
 */
export class PolicyControlDecision {
  readonly #readSupportedControls: () => Promise<readonly string[]>;
  #wanted: boolean | Promise<boolean> | undefined;

  constructor(
    use: PasswordPolicyControlUse,
    readSupportedControls: () => Promise<readonly string[]>,
  ) {
    this.#readSupportedControls = readSupportedControls;
    this.#wanted = use === 'auto' ? undefined : use === 'always';
  }

  wanted(): boolean | Promise<boolean> {
    this.#wanted ??= this.#readSupportedControls().then(
      (supported) => {
        this.#wanted = supported.includes(PasswordPolicyControl.type);
        return this.#wanted;
      },
      (error: unknown) => {
        this.#wanted = error instanceof ResultCodeError ? true : undefined;
        return true;
      },
    );
    return this.#wanted;
  }
}
