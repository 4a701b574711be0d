// Settings that are valid on their own but do nothing with the rest of the configuration (a group
// base DN with the memberOf strategy, limits with the limiter off): told once at start-up, since
// an operator who set one expects it to change something and nothing else would say it does not.

import type { Logger } from '../shared/logger.js';
import { ENVIRONMENT } from './environment/table.js';
import type { AuthOptions } from './resolve.js';

/** A setting given that the rest of the configuration makes useless. */
export interface IgnoredSetting {
  /** Its dotted path in {@link AuthOptions}, e.g. `groups.baseDn`. */
  option: string;
  /** Its environment variable, e.g. `LDAP_GROUP_BASE_DN`. */
  variable?: string;
  /** Why it does nothing, and what would make it count. */
  reason: string;
}

type Strategy = NonNullable<NonNullable<AuthOptions['groups']>['strategy']>;

/** Which group strategies read each group setting, and what the others do instead. */
const GROUP_SETTINGS: readonly { key: string; usedBy: readonly Strategy[] }[] = [
  { key: 'baseDn', usedBy: ['search', 'inChain', 'nested'] },
  { key: 'filter', usedBy: ['search', 'nested'] },
  { key: 'maxDepth', usedBy: ['nested'] },
  { key: 'timeBudgetMs', usedBy: ['memberOf', 'nested'] },
  { key: 'nameAttribute', usedBy: ['memberOf', 'search', 'inChain', 'nested'] },
  { key: 'maxInToken', usedBy: ['memberOf', 'search', 'inChain', 'nested'] },
];

const STRATEGY_DOES: Record<Strategy, string> = {
  none: 'the none strategy reads no groups at all',
  memberOf: "the memberOf strategy reads the groups from the user's own entry, without a search",
  search: 'the search strategy searches once, without nesting',
  inChain: 'the inChain strategy builds its own filter and lets Active Directory follow nesting',
  nested: '',
};

/**
 * The settings of `options` (as given, before defaults) that change nothing, each with why.
 * Only settings the caller set are reported: defaults are never "ignored settings".
 */
export function ignoredSettings(options: AuthOptions): IgnoredSetting[] {
  const ignored: IgnoredSetting[] = [];
  const add = (option: string, reason: string) => {
    const variable = ENVIRONMENT.find((entry) => entry.option === option)?.name;
    ignored.push({ option, ...(variable ? { variable } : {}), reason });
  };

  const groups: Record<string, unknown> = { ...options.groups };
  const strategy: Strategy = options.groups?.strategy ?? 'memberOf';
  for (const { key, usedBy } of GROUP_SETTINGS) {
    if (groups[key] === undefined || usedBy.includes(strategy)) continue;
    const users = usedBy.map((name) => `LDAP_GROUP_STRATEGY=${name}`).join(' or ');
    add(`groups.${key}`, `${STRATEGY_DOES[strategy]}; only ${users} uses it`);
  }

  const limits = options.loginLimits;
  if (limits?.enabled === false) {
    for (const rule of ['perUsername', 'perAddress'] as const) {
      for (const [key, value] of Object.entries(limits[rule] ?? {})) {
        if (value === undefined) continue;
        add(`loginLimits.${rule}.${key}`, 'login limits are off (LOGIN_LIMITS=false)');
      }
    }
  }

  if (options.storeFailure !== undefined && !options.redis) {
    add(
      'storeFailure',
      'without Redis the stores are in memory and cannot become unreachable; it applies only with Redis',
    );
  }
  return ignored;
}

/** Logs one warning per ignored setting (event `setting_ignored`). */
export function warnIgnoredSettings(options: AuthOptions, logger: Logger): void {
  for (const { option, variable, reason } of ignoredSettings(options)) {
    const name = variable ? `${variable} (${option})` : option;
    logger.warn(
      { event: 'setting_ignored', option, ...(variable ? { variable } : {}) },
      `${name} is set but does nothing: ${reason}`,
    );
  }
}
