// Holds live answers to an OpenAPI 3.1 document: each answer is looked up by path, method and
// status, and its documented headers and body are checked (ajv, JSON Schema 2020-12); the
// statuses seen are kept, so a suite can require that every documented one was provoked.
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { Answer } from './conformance-answers.js';

type Json = Record<string, unknown>;

/** What is checked of an answer: `call`'s, or the test browser's with the method added. */
export type Reply = Pick<Answer, 'status' | 'headers' | 'body'> & { method?: string };

export class OpenApiChecker {
  /** `METHOD path status` of every answer checked so far. */
  readonly provoked = new Set<string>();
  readonly #ajv = new Ajv2020({ strict: true, allErrors: true });

  constructor(readonly document: Json) {
    // ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
    (formats as unknown as { default: (instance: Ajv2020) => void }).default(this.#ajv);
    // The component schemas, as one JSON Schema 2020-12 document ajv can resolve refs in.
    const schemas = JSON.stringify((document.components as Json).schemas).replaceAll(
      '#/components/schemas/',
      'openapi#/$defs/',
    );
    this.#ajv.addSchema({ $id: 'openapi', $defs: JSON.parse(schemas) as Json });
  }

  /** The validator of the component schema `name`. */
  schema(name: string): ValidateFunction {
    return this.#ajv.getSchema(`openapi#/$defs/${name}`)!;
  }

  /** `METHOD path status` of every response the document lists. */
  documented(): string[] {
    const documented: string[] = [];
    for (const [path, item] of Object.entries(this.document.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item)) {
        if (typeof operation !== 'object' || !operation || !('responses' in operation)) continue;
        for (const status of Object.keys((operation as Json).responses as Json)) {
          documented.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    return documented;
  }

  /** Checks one live answer against the document, and records it as provoked. */
  conforms(answer: Reply, path: string, method = answer.method ?? 'GET'): void {
    const ajv = this.#ajv;
    const context = `${method} ${path} -> ${answer.status} ${answer.body.slice(0, 200)}`;
    const item = (this.document.paths as Record<string, Json>)[path];
    assert.ok(item, `${path} is not documented`);
    const operation = item[method.toLowerCase()] as Json | undefined;
    assert.ok(operation, `${method} ${path} is not documented`);
    const responses = operation.responses as Json;
    assert.ok(responses[String(answer.status)], `undocumented status: ${context}`);
    const response = this.#resolve(responses[String(answer.status)]);
    for (const [name, value] of Object.entries((response.headers ?? {}) as Json)) {
      const header = this.#resolve(value);
      const actual = answer.headers.get(name);
      if (header.required) assert.ok(actual !== null, `${name} missing: ${context}`);
      if (actual !== null && header.schema) {
        const valid = ajv.validate(header.schema as Json, actual);
        assert.ok(valid, `${name}: ${actual}: ${ajv.errorsText()} (${context})`);
      }
    }
    const content = response.content as Record<string, Json> | undefined;
    if (!content) {
      assert.equal(answer.body, '', `documented without a body: ${context}`);
    } else {
      const type = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
      assert.ok(content[type], `Content-Type ${type} not documented: ${context}`);
      const schema = content[type]!.schema as Json;
      if (/json/.test(type)) {
        const body = JSON.parse(answer.body) as unknown;
        const validate =
          typeof schema.$ref === 'string'
            ? this.schema(schema.$ref.replace('#/components/schemas/', ''))
            : ajv.compile(schema);
        assert.ok(validate(body), `${ajv.errorsText(validate.errors)}: ${context}`);
      } else {
        // Text: the hello's exact body, an HTML page's outline, or any string.
        assert.ok(ajv.validate(schema, answer.body), `${ajv.errorsText()}: ${context}`);
      }
    }
    this.provoked.add(`${method} ${path} ${answer.status}`);
  }

  #resolve(value: unknown): Json {
    let node = value as Json;
    while (typeof node.$ref === 'string') {
      const path = node.$ref.replace(/^#\//, '').split('/');
      node = path.reduce<Json>((parent, key) => parent[key] as Json, this.document);
    }
    return node;
  }
}

/** One request with any method, headers and body; redirects are not followed. */
export async function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  return {
    method,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
}
