import {
  AndFilter,
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  FilterParser,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  NotFilter,
  OrFilter,
  PresenceFilter,
  SubstringFilter,
} from 'ldapts';

/** What the placeholders of a group filter stand for. */
export interface FilterValues {
  /** `{dn}`: the user's DN. */
  dn: string;
  /** `{username}`: the value of the user's login attribute (e.g. `uid`). */
  username: string;
}

const PLACEHOLDER = /\{(dn|username)\}/g;

/**
 * A group filter with `{dn}` and `{username}` placeholders, parsed once. The template is parsed
 * into ldapts filter objects with the placeholders still in them, and each search fills in a
 * copy of that tree: the values land in assertion values, where ldapts escapes them (RFC 4515)
 * when it encodes the filter, so no username or DN can ever become filter syntax.
 */
export class GroupFilterTemplate {
  readonly #tree: Filter;
  readonly template: string;

  /** @throws {Error} the template is not a filter, or has a placeholder outside a value. */
  constructor(template: string) {
    this.template = template;
    let tree: Filter;
    try {
      tree = FilterParser.parseString(template);
    } catch (error) {
      throw new Error(`not an LDAP filter (${(error as Error).message})`);
    }
    checkPlaceholders(tree);
    this.#tree = tree;
  }

  /** A new filter with the placeholders filled in. */
  fill(values: FilterValues): Filter {
    return fillFilter(this.#tree, values);
  }
}

function fillValue(text: string, values: FilterValues): string {
  return text.replace(PLACEHOLDER, (_match, name: keyof FilterValues) => values[name]);
}

function fillFilter(filter: Filter, values: FilterValues): Filter {
  const fill = (text: string) => fillValue(text, values);
  if (filter instanceof AndFilter) {
    return new AndFilter({ filters: filter.filters.map((child) => fillFilter(child, values)) });
  }
  if (filter instanceof OrFilter) {
    return new OrFilter({ filters: filter.filters.map((child) => fillFilter(child, values)) });
  }
  if (filter instanceof NotFilter)
    return new NotFilter({ filter: fillFilter(filter.filter, values) });
  if (filter instanceof EqualityFilter) {
    return new EqualityFilter({ attribute: filter.attribute, value: fill(String(filter.value)) });
  }
  if (filter instanceof SubstringFilter) {
    return new SubstringFilter({
      attribute: filter.attribute,
      initial: fill(filter.initial),
      any: filter.any.map(fill),
      final: fill(filter.final),
    });
  }
  if (filter instanceof ApproximateFilter) {
    return new ApproximateFilter({ attribute: filter.attribute, value: fill(filter.value) });
  }
  if (filter instanceof GreaterThanEqualsFilter) {
    return new GreaterThanEqualsFilter({ attribute: filter.attribute, value: fill(filter.value) });
  }
  if (filter instanceof LessThanEqualsFilter) {
    return new LessThanEqualsFilter({ attribute: filter.attribute, value: fill(filter.value) });
  }
  if (filter instanceof ExtensibleFilter) {
    return new ExtensibleFilter({
      matchType: filter.matchType,
      rule: filter.rule,
      dnAttributes: filter.dnAttributes,
      value: fill(filter.value),
    });
  }
  if (filter instanceof PresenceFilter) return new PresenceFilter({ attribute: filter.attribute });
  throw new Error(`unsupported filter ${filter.toString()}`);
}

/** Placeholders belong in values; one in an attribute name would be filter syntax from a user. */
function checkPlaceholders(filter: Filter): void {
  const names: string[] = [];
  const visit = (node: Filter): void => {
    if (node instanceof AndFilter || node instanceof OrFilter) node.filters.forEach(visit);
    else if (node instanceof NotFilter) visit(node.filter);
    else if (node instanceof ExtensibleFilter) names.push(node.matchType, node.rule);
    else if ('attribute' in node) names.push(String(node.attribute));
  };
  visit(filter);
  if (names.some((name) => /[{}]/.test(name))) {
    throw new Error('{dn} and {username} may only stand for values, not attribute names');
  }
}
