// Reads the option types of src/options/types.ts with the TypeScript compiler: every option of
// `createAuth`, as a dotted path, with its type and its JSDoc. docs/configuration.md is written
// from this, the ENVIRONMENT table and the schema's defaults (scripts/docs.ts), so a new option
// appears there as soon as `npm run docs` runs, and test/unit/configuration-docs.test.ts fails
// until it has.
import { join } from 'node:path';
import ts from 'typescript';

export interface OptionDoc {
  /** Dotted path, as in ENVIRONMENT's `option`: `ldap.tls.ca`. */
  path: string;
  type: string;
  optional: boolean;
  /** The JSDoc text, on one line. */
  doc: string;
}

const ROOT = join(import.meta.dirname, '..');

/** Every leaf option of `AuthOptions`, depth first in declaration order. */
export function optionDocs(): OptionDoc[] {
  const file = join(ROOT, 'src', 'options', 'types.ts');
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`cannot read ${file}`);
  const root = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === 'AuthOptions',
  );
  if (!root) throw new Error('src/options/types.ts has no AuthOptions interface');
  const docs: OptionDoc[] = [];
  walk(checker, checker.getTypeAtLocation(root), '', '', docs);
  return docs;
}

/** `parentDoc` stands in for the members of a section that have no JSDoc of their own. */
function walk(
  checker: ts.TypeChecker,
  type: ts.Type,
  prefix: string,
  parentDoc: string,
  docs: OptionDoc[],
): void {
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    if (!declaration) continue;
    const propertyType = checker.getNonNullableType(
      checker.getTypeOfSymbolAtLocation(property, declaration),
    );
    const path = `${prefix}${property.name}`;
    const doc = ts
      .displayPartsToString(property.getDocumentationComment(checker))
      .replace(/\s+/g, ' ')
      .trim();
    if (isSection(checker, propertyType)) {
      walk(checker, propertyType, `${path}.`, doc || parentDoc, docs);
      continue;
    }
    docs.push({
      path,
      type: checker
        .typeToString(propertyType, undefined, ts.TypeFormatFlags.NoTruncation)
        .replace('Uint8Array<ArrayBufferLike>', 'Uint8Array'),
      optional: (property.flags & ts.SymbolFlags.Optional) !== 0,
      doc: doc || (parentDoc ? `(Part of \`${prefix.slice(0, -1)}\`.) ${parentDoc}` : ''),
    });
  }
}

/**
 * An options section to descend into: a plain object type (interface or literal) of data, not a
 * union, an array, a buffer, or an object of callbacks (a logger, event hooks).
 */
function isSection(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.isUnion() || checker.isArrayType(type) || checker.isTupleType(type)) return false;
  if (!(type.flags & ts.TypeFlags.Object)) return false;
  if (type.getCallSignatures().length > 0) return false;
  const name = type.getSymbol()?.getName();
  if (name === 'Uint8Array' || name === 'Buffer') return false;
  const properties = checker.getPropertiesOfType(type);
  return (
    properties.length > 0 &&
    properties.every((property) => {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!declaration) return false;
      const propertyType = checker.getNonNullableType(
        checker.getTypeOfSymbolAtLocation(property, declaration),
      );
      return propertyType.getCallSignatures().length === 0;
    })
  );
}
