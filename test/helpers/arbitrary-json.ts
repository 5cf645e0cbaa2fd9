/**
 * fast-check arbitraries from the JSON Schemas of our OpenAPI document: mostly
 * valid-shaped values, with a steady share of wrong types, missing fields and
 * junk, which is what a fuzzer of a validating API should send.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant(''),
  fc.constant('0'),
  fc.constant(-1),
  fc.constant(Number.MAX_SAFE_INTEGER),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/** An arbitrary for values of `schema`, with junk mixed in at every level. */
export function fromSchema(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const valid = validShape(schema, depth);
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: junk });
}

function validShape(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => fromSchema(s, depth + 1)));
  if (Array.isArray(schema.oneOf)) return fc.oneof(...(schema.oneOf as Schema[]).map((s) => fromSchema(s, depth + 1)));
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      if (Object.keys(props).length === 0) {
        return fc.dictionary(fc.string({ maxLength: 8 }), depth > 3 ? junk : fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 });
      }
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) shape[k] = depth > 4 ? junk : fromSchema(s, depth + 1);
      return fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
    }
    case 'array':
      return fc.array(schema.items ? fromSchema(schema.items as Schema, depth + 1) : junk, { maxLength: depth > 2 ? 2 : 5 });
    case 'string':
      return typeof schema.pattern === 'string' ? fc.oneof(fc.stringMatching(new RegExp(schema.pattern)), fc.string()) : fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 8 }));
    case 'integer':
      return fc.oneof(fc.integer({ min: -2, max: 1100 }), fc.integer());
    case 'number':
      return fc.oneof(fc.integer(), fc.double());
    case 'boolean':
      return fc.boolean();
    default:
      return junk;
  }
}
