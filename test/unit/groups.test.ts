// Group look-ups without a directory: the filter template and its escaping (property tests),
// group names from DNs (property tests), the strategies' filters, and the nested walk (cycles,
// depth cap, batching, time budget) against a fake search.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EqualityFilter, ExtensibleFilter, type Filter, FilterParser, OrFilter } from 'ldapts';
import { DirectoryUnavailableError } from '../../src/errors.js';
import { escapeDnValue } from '../../src/ldap/escape.js';
import { GroupFilterTemplate } from '../../src/ldap/group-filter.js';
import { groupClaim, hasGroup } from '../../src/ldap/group-lists.js';
import {
  type FoundEntry,
  GroupResolver,
  type GroupSearch,
  MEMBER_OF_READS_AT_ONCE,
  NESTED_BATCH,
} from '../../src/ldap/groups.js';
import {
  defaultGroupFilter,
  IN_CHAIN_RULE,
  inChainFilter,
  parentsFilter,
} from '../../src/ldap/membership-filters.js';
import { PRESETS } from '../../src/ldap/presets.js';
import { firstRdn, rdnValue } from '../../src/ldap/rdn.js';
import type { GroupSettings } from '../../src/ldap/settings.js';
import type { Logger } from '../../src/shared/logger.js';
import { assertEndedByTimeout, deferred, waitUntil } from '../helpers/timeouts.js';

const special = fc.constantFrom(
  '(',
  ')',
  '*',
  '\\',
  '\0',
  '{dn}',
  '{username}',
  ',',
  '=',
  'é',
  ' ',
);
/** Values dense in what filters and DNs care about, mixed with arbitrary well-formed text. */
const value = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: special, maxLength: 20 }),
    fc.string({
      unit: fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    }),
  )
  .filter((text) => Buffer.from(text, 'utf8').toString('utf8') === text);
/** Printable ASCII (ldapts's filter parser reads `\XX` escapes byte by byte, so not beyond). */
const asciiValue = fc.string({
  unit: fc.constantFrom(...'ab(*)\\\0{}=, #'.split('')),
  maxLength: 20,
});

/** The assertion values of a filter tree, in order. */
function valuesOf(filter: Filter): string[] {
  if (filter instanceof OrFilter || 'filters' in filter) {
    return (filter as OrFilter).filters.flatMap(valuesOf);
  }
  if ('filter' in filter) return valuesOf((filter as { filter: Filter }).filter);
  if ('value' in filter) return [String((filter as EqualityFilter).value)];
  return [];
}

const DEFAULT = defaultGroupFilter(PRESETS.openldap);

describe('GroupFilterTemplate', () => {
  it('the default filter for OpenLDAP is the documented one; Active Directory names member only', () => {
    assert.equal(DEFAULT, '(|(member={dn})(uniqueMember={dn})(memberUid={username}))');
    assert.equal(defaultGroupFilter(PRESETS.activedirectory), '(member={dn})');
  });

  it('fills values in place: the tree keeps its shape, the values are the raw strings', () => {
    fc.assert(
      fc.property(value, value, (dn, username) => {
        const filled = new GroupFilterTemplate(DEFAULT).fill({ dn, username });
        assert.ok(filled instanceof OrFilter);
        assert.equal(filled.filters.length, 3);
        assert.deepEqual(valuesOf(filled), [dn, dn, username]);
        assert.deepEqual(
          filled.filters.map((child) => (child as EqualityFilter).attribute),
          ['member', 'uniqueMember', 'memberUid'],
        );
      }),
    );
  });

  it('no value can become filter syntax: the string form parses back to the same tree', () => {
    fc.assert(
      fc.property(asciiValue, asciiValue, (dn, username) => {
        const template = new GroupFilterTemplate(
          '(&(objectClass=groupOfNames)(|(member={dn})(cn=x-{username}-y)))',
        );
        const filled = template.fill({ dn, username });
        const text = filled.toString();
        assert.doesNotMatch(text.slice(1, -1).replace(/\\[0-9a-f]{2}/gi, ''), /[*\0]/);
        const reparsed = FilterParser.parseString(text);
        assert.equal(reparsed.toString(), text);
        assert.deepEqual(valuesOf(reparsed), ['groupOfNames', dn, `x-${username}-y`]);
      }),
    );
  });

  it('an injection attempt stays one value', () => {
    const filled = new GroupFilterTemplate('(memberUid={username})').fill({
      dn: 'x',
      username: 'a)(|(memberUid=*)',
    });
    assert.ok(filled instanceof EqualityFilter);
    assert.equal(filled.value, 'a)(|(memberUid=*)');
    assert.equal(filled.toString(), '(memberUid=a\\29\\28|\\28memberUid=\\2a\\29)');
  });

  it('fills substring, extensible, approximate and ordering assertions, and keeps presence', () => {
    const filled = new GroupFilterTemplate(
      '(&(cn=*{username}*)(member:1.2.840.113556.1.4.1941:={dn})(!(cn~={username}))(gidNumber>=1)(description=*))',
    ).fill({ dn: 'cn=u,dc=x', username: 'bob' });
    assert.equal(
      filled.toString(),
      '(&(cn=*bob*)(member:1.2.840.113556.1.4.1941:=cn=u,dc=x)(!(cn~=bob))(gidNumber>=1)(description=*))',
    );
  });

  it('refuses what is not a filter, and placeholders standing for attribute names', () => {
    for (const template of ['(member={dn}', 'garbage', '', '(a=b)(c=d)', '(&)']) {
      assert.throws(() => new GroupFilterTemplate(template), /not an LDAP filter/, template);
    }
    // Without its outer parentheses, as OpenLDAP's tools take it too.
    assert.equal(
      new GroupFilterTemplate('member={dn}').fill({ dn: 'a', username: '' }).toString(),
      '(member=a)',
    );
    for (const template of ['({username}=x)', '(member:{dn}:=x)', '({dn}:1.2.3:=x)']) {
      assert.throws(
        () => new GroupFilterTemplate(template),
        /not an LDAP filter|only stand for values/,
        template,
      );
    }
  });
});

describe('group names from DNs', () => {
  it('the first RDN value, unescaped, whatever it holds (property)', () => {
    fc.assert(
      fc.property(value, (name) => {
        const dn = `cn=${escapeDnValue(name)},ou=groups,dc=example,dc=org`;
        assert.equal(rdnValue(dn, 'cn'), name);
        assert.equal(rdnValue(dn, 'CN'), name, 'the attribute ignoring case');
        assert.equal(rdnValue(dn, 'ou'), undefined, 'only the first RDN');
      }),
    );
  });

  it('reads hex escapes as UTF-8, multi-valued RDNs, and gives up on #BER values', () => {
    assert.equal(rdnValue('cn=J\\C3\\B3zef,dc=x', 'cn'), 'Józef');
    // A leading U+FEFF is part of the name, escaped or not (not a byte-order mark to drop).
    assert.equal(rdnValue('cn=\\EF\\BB\\BFops,dc=x', 'cn'), '\uFEFFops');
    assert.equal(rdnValue('cn=\uFEFFops,dc=x', 'cn'), '\uFEFFops');
    assert.equal(rdnValue('cn=Ops\\, EMEA,ou=groups', 'cn'), 'Ops, EMEA');
    assert.deepEqual(firstRdn('cn=a+uid=b\\+c,dc=x'), [
      { attribute: 'cn', value: 'a' },
      { attribute: 'uid', value: 'b+c' },
    ]);
    assert.equal(rdnValue('cn=a+uid=b,dc=x', 'uid'), 'b');
    assert.equal(rdnValue('cn=#04024869,dc=x', 'cn'), undefined);
    assert.equal(rdnValue('CN=Domain Admins,CN=Users,DC=corp', 'cn'), 'Domain Admins');
    assert.equal(rdnValue('not a dn', 'cn'), undefined);
    assert.equal(rdnValue('cn=\\C3,dc=x', 'cn'), undefined, 'not UTF-8');
  });
});

describe('strategy filters', () => {
  it('inChain: the group classes and the in-chain matching rule on member, the DN as its value', () => {
    const dn = 'CN=Smith\\, Jo (IT),OU=Staff,DC=corp,DC=example';
    const filter = inChainFilter(dn, PRESETS.activedirectory);
    const [classes, chain] = (filter as unknown as { filters: Filter[] }).filters;
    assert.ok(classes instanceof EqualityFilter);
    assert.equal(classes.toString(), '(objectClass=group)');
    assert.ok(chain instanceof ExtensibleFilter);
    assert.equal(chain.matchType, 'member');
    assert.equal(chain.rule, IN_CHAIN_RULE);
    assert.equal(chain.value, dn);
    assert.equal(
      filter.toString(),
      '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Smith\\5c, Jo \\28IT\\29,OU=Staff,DC=corp,DC=example))',
    );
  });

  it('inChain with the openldap preset ORs its group classes', () => {
    assert.match(
      inChainFilter('cn=a', PRESETS.openldap).toString(),
      /^\(&\(\|\(objectClass=groupOfNames\)/,
    );
  });

  it('nested: one OR over every DN-valued member attribute of every group of the level', () => {
    const filter = parentsFilter(['cn=a,dc=x', 'cn=b(1),dc=x'], PRESETS.openldap);
    assert.equal(
      filter.toString(),
      '(|(member=cn=a,dc=x)(uniqueMember=cn=a,dc=x)(member=cn=b\\281\\29,dc=x)(uniqueMember=cn=b\\281\\29,dc=x))',
    );
  });
});

/** A directory of groups as a map from group DN to the DNs of its members. */
function fakeDirectory(
  groups: Record<string, string[]>,
  hang?: { after: number; until: Promise<void> },
) {
  const queries: Filter[] = [];
  const search: GroupSearch = async (_base, { filter }) => {
    queries.push(filter!);
    // Past `after` queries, no answer until the test says so: a directory that stopped answering.
    if (hang && queries.length > hang.after) await hang.until;
    const wanted = new Set(valuesOf(filter!).map((dn) => dn.toLowerCase()));
    return Object.entries(groups)
      .filter(([, members]) => members.some((member) => wanted.has(member.toLowerCase())))
      .map(([dn]): FoundEntry => ({ dn, values: new Map([['cn', [rdnValue(dn, 'cn')!]]]) }));
  };
  return { search, queries };
}

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown> }[] = [];
  const log = (level: string) => (fields: object) =>
    void lines.push({ level, fields: fields as Record<string, unknown> });
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  } as unknown as Logger;
  return { logger, lines };
}

const settings = (overrides: Partial<GroupSettings> = {}): GroupSettings => ({
  strategy: 'nested',
  baseDn: 'dc=x',
  filter: '(member={dn})',
  nameAttribute: 'cn',
  maxDepth: 10,
  timeBudgetMs: 2000,
  ...overrides,
});
const USER = 'uid=u,dc=x';
const subject = { dn: USER, username: 'u', values: new Map<string, string[]>() };
const g = (name: string) => `cn=${name},dc=x`;

describe('GroupResolver, nested', () => {
  it('walks up level by level, direct groups first, and a cycle ends the walk', async () => {
    const { search, queries } = fakeDirectory({
      [g('team')]: [USER],
      [g('alpha')]: [USER],
      [g('engineering')]: [g('team'), g('company')],
      [g('company')]: [g('engineering')],
    });
    const { logger } = recordingLogger();
    const groups = await new GroupResolver(settings(), PRESETS.openldap, search, logger).resolve(
      subject,
    );
    assert.deepEqual(
      groups.map((group) => group.name),
      ['alpha', 'team', 'engineering', 'company'],
    );
    assert.equal(queries.length, 4, 'the direct search, then one per level until nothing is new');
  });

  it('batches a level into queries of at most NESTED_BATCH groups', async () => {
    const direct = Array.from({ length: 250 }, (_, index) => g(`d${index}`));
    const { search, queries } = fakeDirectory(Object.fromEntries(direct.map((dn) => [dn, [USER]])));
    const { logger } = recordingLogger();
    await new GroupResolver(settings(), PRESETS.openldap, search, logger).resolve(subject);
    assert.equal(NESTED_BATCH, 100);
    assert.equal(queries.length, 1 + 3);
  });

  it('stops at maxDepth with a warning', async () => {
    const chain: Record<string, string[]> = { [g('l0')]: [USER] };
    for (let level = 1; level <= 5; level++) chain[g(`l${level}`)] = [g(`l${level - 1}`)];
    const { search } = fakeDirectory(chain);
    const { logger, lines } = recordingLogger();
    const groups = await new GroupResolver(
      settings({ maxDepth: 2 }),
      PRESETS.openldap,
      search,
      logger,
    ).resolve(subject);
    assert.deepEqual(
      groups.map((group) => group.name),
      ['l0', 'l1', 'l2'],
    );
    assert.ok(
      lines.some(
        (line) => line.level === 'warn' && line.fields.event === 'group_nesting_truncated',
      ),
    );
  });

  it('nesting exactly maxDepth deep: everything found, and no warning', async () => {
    const chain: Record<string, string[]> = { [g('l0')]: [USER] };
    for (let level = 1; level <= 2; level++) chain[g(`l${level}`)] = [g(`l${level - 1}`)];
    const { search } = fakeDirectory(chain);
    const { logger, lines } = recordingLogger();
    const groups = await new GroupResolver(
      settings({ maxDepth: 2 }),
      PRESETS.openldap,
      search,
      logger,
    ).resolve(subject);
    assert.deepEqual(
      groups.map((group) => group.name),
      ['l0', 'l1', 'l2'],
    );
    assert.deepEqual(lines, [], 'nothing was left out');
  });

  it('past the time budget: DirectoryUnavailableError (503), logged, never a partial list', async () => {
    const chain: Record<string, string[]> = { [g('l0')]: [USER] };
    for (let level = 1; level <= 20; level++) chain[g(`l${level}`)] = [g(`l${level - 1}`)];
    // Three levels answer, then the directory hangs: only the budget can end the walk.
    const answer = deferred();
    const { search, queries } = fakeDirectory(chain, { after: 3, until: answer.promise });
    const { logger, lines } = recordingLogger();
    const timeBudgetMs = 100;
    const resolver = new GroupResolver(
      settings({ timeBudgetMs }),
      PRESETS.openldap,
      search,
      logger,
    );
    const started = performance.now();
    await assert.rejects(resolver.resolve(subject), DirectoryUnavailableError);
    assertEndedByTimeout(performance.now() - started, timeBudgetMs, 'the resolution');
    assert.equal(queries.length, 4, 'gave up while the fourth query was unanswered');
    answer.resolve();
    assert.ok(
      lines.some(
        (line) => line.level === 'error' && line.fields.event === 'group_resolution_over_budget',
      ),
    );
  });
});

describe('GroupResolver, memberOf', () => {
  it('names come from the RDN with no query; other RDNs are read from the group', async () => {
    const queries: string[] = [];
    const search: GroupSearch = async (base) => {
      queries.push(base);
      return [{ dn: base, values: new Map([['cn', ['legacy-team']]]) }];
    };
    const { logger } = recordingLogger();
    const resolver = new GroupResolver(
      settings({ strategy: 'memberOf' }),
      PRESETS.openldap,
      search,
      logger,
    );
    assert.deepEqual(resolver.userAttributes, ['memberOf']);
    const groups = await resolver.resolve({
      ...subject,
      values: new Map([
        [
          'memberof',
          [
            'cn=staff,ou=groups,dc=x',
            'businessCategory=legacy,ou=groups,dc=x',
            'CN=Staff,OU=groups,DC=x',
          ],
        ],
      ]),
    });
    assert.deepEqual(
      groups.map((group) => group.name),
      ['legacy-team', 'staff'],
    );
    assert.deepEqual(queries, ['businessCategory=legacy,ou=groups,dc=x']);
  });
});

describe('GroupResolver, memberOf: many groups named by another attribute', () => {
  const memberOf = (count: number) =>
    new Map([
      [
        'memberof',
        Array.from({ length: count }, (_, index) => `gidNumber=${1000 + index},ou=groups,dc=x`),
      ],
    ]);

  it(`reads at most ${MEMBER_OF_READS_AT_ONCE} groups at a time, and every one of them`, async () => {
    let running = 0;
    let most = 0;
    const search: GroupSearch = async (base) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
      return [{ dn: base, values: new Map([['cn', [`g-${base.slice(10, 14)}`]]]) }];
    };
    const resolver = new GroupResolver(
      settings({ strategy: 'memberOf' }),
      PRESETS.openldap,
      search,
      recordingLogger().logger,
    );
    const groups = await resolver.resolve({ ...subject, values: memberOf(200) });
    assert.equal(groups.length, 200);
    assert.equal(most, MEMBER_OF_READS_AT_ONCE);
  });

  it('past the time budget: unavailable, and the reads not yet started are not started', async () => {
    // The directory does not answer the first reads until the budget is over.
    const answer = deferred();
    let started = 0;
    let finished = 0;
    const search: GroupSearch = async (base) => {
      started++;
      await answer.promise;
      finished++;
      return [{ dn: base, values: new Map([['cn', ['x']]]) }];
    };
    const timeBudgetMs = 100;
    const resolver = new GroupResolver(
      settings({ strategy: 'memberOf', timeBudgetMs }),
      PRESETS.openldap,
      search,
      recordingLogger().logger,
    );
    const began = performance.now();
    await assert.rejects(
      resolver.resolve({ ...subject, values: memberOf(500) }),
      DirectoryUnavailableError,
    );
    assertEndedByTimeout(performance.now() - began, timeBudgetMs, 'the resolution');
    assert.equal(started, MEMBER_OF_READS_AT_ONCE, 'the first reads only');
    // The late answers arrive: their workers stop instead of starting the next reads.
    answer.resolve();
    // (waitUntil returns after a timer's turn: the workers have run on from those answers.)
    await waitUntil(() => finished === MEMBER_OF_READS_AT_ONCE, 'the late answers');
    assert.equal(started, MEMBER_OF_READS_AT_ONCE, `${started} reads started, not 500`);
  });
});

describe('the required group and the groups claim', () => {
  const groups = [
    { dn: 'cn=Staff,ou=groups,dc=x', name: 'Staff' },
    { dn: 'cn=ops,ou=groups,dc=x', name: 'ops' },
  ];

  it('the required group by name or DN, ignoring case', () => {
    assert.ok(hasGroup(groups, 'staff'));
    assert.ok(hasGroup(groups, 'CN=staff, OU=groups, DC=x'));
    assert.ok(!hasGroup(groups, 'admins'));
    assert.ok(!hasGroup(groups, 'cn=staff,dc=x'));
  });

  it('the claim is capped, first groups kept, with a warning', () => {
    const { logger, lines } = recordingLogger();
    assert.deepEqual(groupClaim(groups, 5, logger), ['Staff', 'ops']);
    assert.equal(lines.length, 0);
    assert.deepEqual(groupClaim(groups, 1, logger), ['Staff']);
    assert.equal(lines[0]?.fields.event, 'groups_truncated');
  });
});
