/**
 * LDIF content records (RFC 2849): the subset a directory seed file uses. Change records,
 * URL values (`attr:< file://...`) and binary values are refused with an {@link LdifError}.
 */
import { Buffer } from 'node:buffer';
import { DnSyntaxError, parseDn } from './dn.js';

/** One directory entry as written in LDIF: attribute names keep their first spelling. */
export interface LdifEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

/** Malformed LDIF; `line` is the 1-based physical line where the problem starts. */
export class LdifError extends Error {
  override readonly name = 'LdifError';
  readonly line: number;

  constructor(line: number, message: string) {
    super(`LDIF line ${line}: ${message}`);
    this.line = line;
  }
}

interface LogicalLine {
  text: string;
  line: number;
}

// AttributeDescription: a name or numeric OID, then options such as `;lang-fr` or `;binary`.
const ATTRIBUTE_DESCRIPTION = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)(?:;[A-Za-z0-9-]+)*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// ignoreBOM keeps a leading U+FEFF of a value: it is data there, not a byte-order mark.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses LDIF content: `#` comments, folded lines, `attr: value` and `attr:: base64`
 * (decoded as UTF-8), records separated by blank lines, an optional leading `version: 1`.
 * Attribute names differing only in case are merged, as LDAP treats them as one attribute.
 * @throws {LdifError} on malformed input, naming the line.
 */
export function parseLdif(text: string): LdifEntry[] {
  const records = splitRecords(unfold(text));
  const first = records[0]?.[0];
  if (first && /^version:/i.test(first.text)) {
    const version = first.text.slice('version:'.length).trim();
    if (version !== '1') throw new LdifError(first.line, `unsupported LDIF version "${version}"`);
    records[0]!.shift();
    if (records[0]!.length === 0) records.shift();
  }
  return records.map(parseRecord);
}

/** Joins continuation lines (a leading space) to the line they continue and drops comments. */
function unfold(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const logical: (LogicalLine & { comment: boolean })[] = [];
  physical.forEach((raw, index) => {
    const line = index + 1;
    const previous = logical.at(-1);
    if (raw.startsWith(' ')) {
      if (!previous || previous.text === '') {
        throw new LdifError(line, 'continuation line (leading space) with no line to continue');
      }
      previous.text += raw.slice(1);
    } else {
      logical.push({ text: raw, line, comment: raw.startsWith('#') });
    }
  });
  return logical.filter((entry) => !entry.comment);
}

function splitRecords(lines: LogicalLine[]): LogicalLine[][] {
  const records: LogicalLine[][] = [];
  let current: LogicalLine[] = [];
  for (const line of lines) {
    if (line.text === '') {
      if (current.length > 0) records.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) records.push(current);
  return records;
}

function parseRecord(lines: LogicalLine[]): LdifEntry {
  const [dnLine, ...attributeLines] = lines as [LogicalLine, ...LogicalLine[]];
  const head = parseLine(dnLine);
  if (head.name.toLowerCase() !== 'dn') {
    throw new LdifError(dnLine.line, `a record must start with "dn:", found "${head.name}:"`);
  }
  try {
    parseDn(head.value);
  } catch (error) {
    if (!(error instanceof DnSyntaxError)) throw error;
    throw new LdifError(dnLine.line, `invalid DN "${head.value}": ${error.message}`);
  }
  if (attributeLines.length === 0) {
    throw new LdifError(dnLine.line, `the entry "${head.value}" has no attributes`);
  }

  const attributes: Record<string, string[]> = {};
  const spelling = new Map<string, string>();
  for (const line of attributeLines) {
    const { name, value } = parseLine(line);
    const key = name.toLowerCase();
    if (key === 'dn') {
      throw new LdifError(line.line, 'a second "dn:" in one record (missing blank line?)');
    }
    if (key === 'changetype') {
      throw new LdifError(line.line, 'change records are not supported, only entries');
    }
    const known = spelling.get(key);
    if (known === undefined) {
      spelling.set(key, name);
      attributes[name] = [value];
    } else {
      attributes[known]!.push(value);
    }
  }
  return { dn: head.value, attributes };
}

function parseLine({ text, line }: LogicalLine): { name: string; value: string } {
  const colon = text.indexOf(':');
  if (colon === -1) throw new LdifError(line, `expected "attribute: value", found "${text}"`);
  const name = text.slice(0, colon);
  if (!ATTRIBUTE_DESCRIPTION.test(name)) {
    throw new LdifError(line, `invalid attribute name "${name}"`);
  }
  const rest = text.slice(colon + 1);
  if (rest.startsWith(':')) return { name, value: decodeBase64(rest.slice(1).trim(), name, line) };
  if (rest.startsWith('<')) throw new LdifError(line, `URL values (${name}:<) are not supported`);
  return { name, value: rest.replace(/^ +/, '') };
}

function decodeBase64(encoded: string, name: string, line: number): string {
  if (!BASE64.test(encoded)) throw new LdifError(line, `invalid base64 value for "${name}"`);
  try {
    return utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw new LdifError(line, `the base64 value of "${name}" is not UTF-8 text`);
  }
}

const FOLD_AT = 76;

/**
 * Writes entries as LDIF content (`version: 1`, lines folded at 76 characters), base64
 * encoding every value that is not a plain ASCII safe string.
 */
export function serializeLdif(entries: readonly LdifEntry[]): string {
  const records = entries.map((entry) => {
    const lines = [formatLine('dn', entry.dn)];
    for (const [name, values] of Object.entries(entry.attributes)) {
      for (const value of values) lines.push(formatLine(name, value));
    }
    return lines.join('\n');
  });
  return ['version: 1', ...records].join('\n\n').concat('\n');
}

function formatLine(name: string, value: string): string {
  if (value === '') return `${name}:`;
  const line = isSafeString(value)
    ? `${name}: ${value}`
    : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
  return fold(line);
}

// SAFE-STRING (RFC 2849 section 2) without the trailing space the RFC advises to encode;
// anything else, non-ASCII included, goes out as base64 so that any LDIF parser reads it back.
function isSafeString(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x00 || code === 0x0a || code === 0x0d || code > 0x7f) return false;
  }
  return !/^[ :<]/.test(value) && !value.endsWith(' ');
}

function fold(line: string): string {
  if (line.length <= FOLD_AT) return line;
  const pieces = [line.slice(0, FOLD_AT)];
  for (let pos = FOLD_AT; pos < line.length; pos += FOLD_AT - 1) {
    pieces.push(` ${line.slice(pos, pos + FOLD_AT - 1)}`);
  }
  return pieces.join('\n');
}
