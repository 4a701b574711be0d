// The result of one diagnostic step of `ldap-token-auth check`, and how a list of them is
// printed: one line per step with a mark, and under a failure the hint that says what to change.

/**
 * `pass` ✓, `fail` ✗, `skip` – (not applicable, or not run because an earlier step failed),
 * `warn` ! (works, but not as meant: e.g. tokens would carry no groups). Warnings do not fail.
 */
export type StepStatus = 'pass' | 'fail' | 'skip' | 'warn';

export interface StepResult {
  /** Stable id for machines: `reach`, `tls`, `service-bind`, `search`, `user`, `password`, `token`. */
  step: string;
  /** What the step was about, for people: `reach ldap://127.0.0.1:389`. */
  title: string;
  status: StepStatus;
  /** One line: what was found, or what went wrong. */
  summary: string;
  /** On failure or warning: the likely cause and what to change. */
  hint?: string;
  /** The environment variables the hint is about (the options to change). */
  variables?: string[];
  /** Further lines printed under the step in text output (e.g. what a token would carry). */
  lines?: string[];
  /** Facts for machines: result code, certificate subject and expiry, the DN found... */
  details?: Record<string, unknown>;
}

export interface CheckReport {
  /** True when no step failed. */
  ok: boolean;
  steps: StepResult[];
}

const MARKS: Record<StepStatus, string> = { pass: '✓', fail: '✗', skip: '–', warn: '!' };

/** The report as text, one step per line, hints indented under failures. */
export function formatReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const step of report.steps) {
    lines.push(`${MARKS[step.status]} ${step.title}: ${step.summary}`);
    for (const line of step.lines ?? []) lines.push(`    ${line}`);
    if (step.hint) lines.push(`    hint: ${step.hint}`);
  }
  const failed = report.steps.filter((step) => step.status === 'fail').length;
  const warnings = report.steps.filter((step) => step.status === 'warn').length;
  const warned = warnings ? ` ${warnings} warning${warnings === 1 ? '' : 's'}: see above.` : '';
  lines.push(
    '',
    (report.ok ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`) +
      warned,
  );
  return `${lines.join('\n')}\n`;
}

/** The report as one JSON document. */
export function reportJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function passed(
  step: string,
  title: string,
  summary: string,
  details?: Record<string, unknown>,
): StepResult {
  return { step, title, status: 'pass', summary, ...(details ? { details } : {}) };
}

/** A step that says what to change: the hint, and the variables it is about. */
type HintedStep = [
  step: string,
  title: string,
  summary: string,
  hint: string,
  variables: string[],
  details?: Record<string, unknown>,
];

export function failed(...step: HintedStep): StepResult {
  return hinted('fail', ...step);
}

export function warned(...step: HintedStep): StepResult {
  return hinted('warn', ...step);
}

function hinted(
  status: 'fail' | 'warn',
  ...[step, title, summary, hint, variables, details]: HintedStep
): StepResult {
  return { step, title, status, summary, hint, variables, ...(details ? { details } : {}) };
}

export function skipped(step: string, title: string, summary: string): StepResult {
  return { step, title, status: 'skip', summary };
}
