import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidParameterError } from '../../src/errors.js';
import { parseTokenRequestParams } from '../../src/http/params.js';

function refused(query: string, parameter: string): void {
  assert.throws(
    () => parseTokenRequestParams(query),
    (error: unknown) => {
      assert.ok(error instanceof InvalidParameterError, `${query}: ${String(error)}`);
      assert.equal(error.parameter, parameter, query);
      assert.equal(error.code, 'ERR_INVALID_PARAMETER');
      assert.ok(error.message.includes(parameter), error.message);
      return true;
    },
    query,
  );
}

describe('parseTokenRequestParams', () => {
  it('gives no parameters for an empty query, with or without ?', () => {
    assert.deepEqual(parseTokenRequestParams(''), {});
    assert.deepEqual(parseTokenRequestParams('?'), {});
  });

  it('reads all three parameters', () => {
    assert.deepEqual(
      parseTokenRequestParams('?token_duration=600&search_criteria=mail&authenticated_search=true'),
      { tokenDuration: 600, searchCriteria: 'mail', authenticatedSearch: true },
    );
    assert.deepEqual(parseTokenRequestParams('token_duration=0042'), { tokenDuration: 42 });
  });

  it('ignores parameters it does not know', () => {
    assert.deepEqual(parseTokenRequestParams('foo=bar&token_duration=5&Token_Duration=x'), {
      tokenDuration: 5,
    });
  });

  it('decodes percent-encoding before checking the form', () => {
    assert.deepEqual(parseTokenRequestParams('token_duration=%31%32'), { tokenDuration: 12 });
    assert.deepEqual(parseTokenRequestParams('search_criteria=%6Dail'), {
      searchCriteria: 'mail',
    });
  });

  it('passes search_criteria through unchecked: the allow-list is the core’s job', () => {
    assert.deepEqual(parseTokenRequestParams('search_criteria=uid)(x=*'), {
      searchCriteria: 'uid)(x=*',
    });
    assert.deepEqual(parseTokenRequestParams('search_criteria='), { searchCriteria: '' });
  });

  it('accepts token_duration of 1 to 12 digits', () => {
    assert.deepEqual(parseTokenRequestParams('token_duration=0'), { tokenDuration: 0 });
    assert.deepEqual(parseTokenRequestParams('token_duration=999999999999'), {
      tokenDuration: 999_999_999_999,
    });
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,12}$/), (digits) => {
        assert.deepEqual(parseTokenRequestParams(`token_duration=${digits}`), {
          tokenDuration: Number(digits),
        });
      }),
    );
  });

  it('refuses any other token_duration, including an empty one', () => {
    for (const value of [
      '',
      '-1',
      '1.5',
      'abc',
      '1e3',
      '+1',
      '%2B1',
      ' 1',
      '1 ',
      '0x10',
      '1_000',
      '１',
      'Infinity',
      'NaN',
      '9999999999999',
    ]) {
      refused(`token_duration=${value}`, 'token_duration');
    }
    refused('token_duration', 'token_duration');
  });

  it('refuses token_duration unless it is 1 to 12 ASCII digits (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 15 }), (value) => {
        fc.pre(!/^\d{1,12}$/.test(value));
        refused(new URLSearchParams({ token_duration: value }).toString(), 'token_duration');
      }),
      { numRuns: 1000 },
    );
  });

  it('reads authenticated_search true/1/yes/on as true, in any case and with spaces', () => {
    for (const value of ['true', '1', 'yes', 'on', 'TRUE', 'Yes', '%20on%20', '+true']) {
      assert.deepEqual(
        parseTokenRequestParams(`authenticated_search=${value}`),
        { authenticatedSearch: true },
        value,
      );
    }
  });

  it('reads authenticated_search false/0/no/off/empty as false', () => {
    for (const query of [
      'authenticated_search=false',
      'authenticated_search=0',
      'authenticated_search=no',
      'authenticated_search=off',
      'authenticated_search=OFF',
      'authenticated_search=',
      'authenticated_search',
      'authenticated_search=%20',
    ]) {
      assert.deepEqual(parseTokenRequestParams(query), { authenticatedSearch: false }, query);
    }
  });

  it('refuses any other authenticated_search', () => {
    for (const value of ['2', 'tru', 'y', 'n', 'null', 'anything', 'true1', '%00', '-1']) {
      refused(`authenticated_search=${value}`, 'authenticated_search');
    }
  });

  it('refuses a parameter given twice, even with equal values', () => {
    refused('token_duration=60&token_duration=60', 'token_duration');
    refused('search_criteria=uid&search_criteria=cn', 'search_criteria');
    refused('authenticated_search=true&authenticated_search=', 'authenticated_search');
    refused('token_duration=60&search_criteria=uid&token_duration=', 'token_duration');
  });

  it('throws nothing but InvalidParameterError, whatever the query string', () => {
    const name = fc.constantFrom(
      'token_duration',
      'search_criteria',
      'authenticated_search',
      'other',
      'token_duration%00',
    );
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 15 }),
      fc.stringMatching(/^-?\d{0,14}(\.\d)?$/),
      fc.constantFrom('true', 'false', 'on', '', '%', '%zz', '%C3', '%ED%A0%80'),
    );
    const structured = fc
      .array(fc.tuple(name, fc.constantFrom('=', ''), value), { maxLength: 5 })
      .map((pairs) => pairs.map(([key, equals, val]) => `${key}${equals}${val}`).join('&'));
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), structured),
        fc.boolean(),
        (query, question) => {
          try {
            const params = parseTokenRequestParams(question ? `?${query}` : query);
            for (const key of Object.keys(params)) {
              assert.ok(['tokenDuration', 'searchCriteria', 'authenticatedSearch'].includes(key));
            }
            if (params.tokenDuration !== undefined) {
              assert.ok(Number.isSafeInteger(params.tokenDuration) && params.tokenDuration >= 0);
            }
          } catch (error) {
            assert.ok(error instanceof InvalidParameterError, String(error));
            assert.ok(
              ['token_duration', 'search_criteria', 'authenticated_search'].includes(
                error.parameter,
              ),
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
