// Nested groups at scale, against slapd: 3,000 groupOfNames in 6 levels of 500, a user directly
// in 50 of them, each group of a level holding three of the level below, and a cycle from the
// top back to the bottom. The login must find exactly the groups a breadth-first walk of the
// generated data finds; its time is printed as a figure (not asserted: it depends on the
// machine). Indexes as a production slapd would have them (member, uniqueMember eq).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { createAuth } from '../../src/core/create-auth.js';
import type { GroupOptions } from '../../src/options/resolve.js';
import { SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const LEVELS = 6;
const PER_LEVEL = 500;
const DIRECT = 50;
const PEOPLE = 'ou=people,dc=example,dc=org';
const GROUPS = 'ou=groups,dc=example,dc=org';
const USER = { username: 'nina', password: 'nested-all-the-way', dn: `uid=nina,${PEOPLE}` };
const groupDn = (level: number, index: number) => `cn=g${level}-${index},${GROUPS}`;

/** The members of each generated group, by DN. */
function generate(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (let level = 0; level < LEVELS; level++) {
    for (let index = 0; index < PER_LEVEL; index++) {
      const members =
        level === 0
          ? [index < DIRECT ? USER.dn : `uid=filler-${index},${PEOPLE}`]
          : [
              (index * 7) % PER_LEVEL,
              (index * 13 + 1) % PER_LEVEL,
              (index * 31 + 2) % PER_LEVEL,
            ].map((below) => groupDn(level - 1, below));
      groups.set(groupDn(level, index), members);
    }
  }
  // A cycle: the top level's group 0 becomes a member of the bottom level's group 0.
  groups.get(groupDn(0, 0))!.push(groupDn(LEVELS - 1, 0));
  return groups;
}

function ldifOf(groups: Map<string, string[]>): string {
  const entries = [
    `dn: ${USER.dn}\nobjectClass: inetOrgPerson\nuid: nina\ncn: Nina Nested\nsn: Nested\nuserPassword: ${USER.password}`,
  ];
  for (const [dn, members] of groups) {
    const cn = dn.slice(3, dn.indexOf(','));
    entries.push(
      [
        `dn: ${dn}`,
        'objectClass: groupOfNames',
        `cn: ${cn}`,
        ...members.map((m) => `member: ${m}`),
      ].join('\n'),
    );
  }
  return `${entries.join('\n\n')}\n`;
}

/** Every group reachable from the user, breadth first, computed from the data itself. */
function reachable(groups: Map<string, string[]>): Set<string> {
  const parents = new Map<string, string[]>();
  for (const [dn, members] of groups) {
    for (const member of members) parents.set(member, [...(parents.get(member) ?? []), dn]);
  }
  const seen = new Set<string>();
  let frontier = [USER.dn];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const dn of frontier) {
      for (const parent of parents.get(dn) ?? []) {
        if (!seen.has(parent)) {
          seen.add(parent);
          next.push(parent);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

describe('nested groups at scale (slapd, 3,000 groups)', () => {
  let slapd: SlapdServer;
  const groups = generate();
  const expected = reachable(groups);

  before(async () => {
    slapd = await startSlapd({
      extraLdif: ldifOf(groups),
      databaseConfig: ['index objectClass eq', 'index uid eq', 'index member,uniqueMember eq'],
      readyTimeoutMs: 30_000,
      monitor: true,
    });
  });
  after(() => slapd?.stop());

  async function timeLogins(groupOptions: GroupOptions, runs = 7) {
    const auth = createAuth({
      secretKey: 'nested-scale-secret-0123456789abcdef0123',
      ldap: { url: slapd.url, topDn: PEOPLE, timeoutMs: 10_000 },
      groups: { baseDn: GROUPS, ...groupOptions },
      loginLimits: { enabled: false },
    });
    try {
      const monitor = await SlapdMonitor.open(slapd);
      const before = await monitor.operations();
      const first = await auth.requestToken(USER); // warms the pools and slapd's caches
      const after = await monitor.operations();
      await monitor.close();
      // The monitor's own two counter reads count as searches.
      const searches = after.searches - before.searches - 2;
      const times: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        await auth.requestToken(USER);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      return {
        token: first.token,
        searches,
        median: times[Math.floor(runs / 2)]!,
        max: times.at(-1)!,
      };
    } finally {
      await auth.close();
    }
  }

  it('finds every group a breadth-first walk of the data finds, through the cycle; prints the login time', async (t) => {
    assert.equal(groups.size, LEVELS * PER_LEVEL);
    const none = await timeLogins({ strategy: 'none' });
    const direct = await timeLogins({ strategy: 'search', filter: '(member={dn})' });
    const nested = await timeLogins({
      strategy: 'nested',
      filter: '(member={dn})',
      maxInToken: 10_000,
      timeBudgetMs: 20_000,
    });
    const names = decodeJwt(nested.token).groups as string[];
    assert.equal(new Set(names).size, names.length, 'no group twice');
    assert.deepEqual(
      new Set(names),
      new Set([...expected].map((dn) => dn.slice(3, dn.indexOf(',')))),
    );
    assert.deepEqual(
      (decodeJwt(direct.token).groups as string[]).length,
      DIRECT,
      'the search strategy: direct groups only',
    );
    const capped = decodeJwt(
      (await timeLogins({ strategy: 'nested', filter: '(member={dn})' }, 1)).token,
    );
    assert.equal((capped.groups as string[]).length, 100, 'the default cap');
    const figure = (label: string, result: { median: number; max: number; searches: number }) =>
      `${label}: median ${result.median.toFixed(1)} ms, max ${result.max.toFixed(1)} ms, ${result.searches} searches`;
    t.diagnostic(
      `3,000 groups, ${LEVELS} levels, user in ${DIRECT} directly and ${expected.size} in all`,
    );
    t.diagnostic(figure('login, no groups', none));
    t.diagnostic(figure('login, direct groups (search)', direct));
    t.diagnostic(figure(`login, nested (${expected.size} groups)`, nested));
    // Shown on the console too, where the full suite's summary does not list diagnostics.
    console.log(
      `nested groups figure: ${expected.size} groups from 3,000; login ${nested.median.toFixed(1)} ms median, ${nested.searches} searches (direct only ${direct.median.toFixed(1)} ms, no groups ${none.median.toFixed(1)} ms)`,
    );
  });

  it('a time budget too small for the walk: 503 (DirectoryUnavailableError), never a partial token', async () => {
    const auth = createAuth({
      secretKey: 'nested-scale-secret-0123456789abcdef0123',
      ldap: { url: slapd.url, topDn: PEOPLE, timeoutMs: 10_000 },
      groups: { baseDn: GROUPS, strategy: 'nested', filter: '(member={dn})', timeBudgetMs: 1 },
      loginLimits: { enabled: false },
    });
    try {
      await assert.rejects(auth.requestToken(USER), { name: 'DirectoryUnavailableError' });
    } finally {
      await auth.close();
    }
  });
});
