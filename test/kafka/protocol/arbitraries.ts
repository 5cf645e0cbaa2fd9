// fast-check arbitraries built from the same message definitions the generator reads
// (kafka/protocol/schema/), so every API and version is covered without hand-written models:
// a field present in a version gets a random value (null only where that version allows it), a
// field absent from it gets the schema default, which is what decoding must give back.
import fc from 'fast-check';
import { inRange, nullable, present, tagged, type Field, type Message, type Struct, type TypeRef } from '../../../kafka/protocol/schema.js';

const HEX = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The schema default of a field, computed here independently of the generated factories. */
export function defaultValue(m: Message, f: Field): unknown {
  if (f.default === 'null') return null;
  const t = f.type;
  if (t.kind === 'array') return [];
  if (t.kind === 'struct') return defaultStruct(m, t.name);
  switch (t.name) {
    case 'bool':
      return f.default === 'true';
    case 'int64':
      return BigInt(f.default ?? '0');
    case 'string':
      return f.default ?? '';
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000';
    case 'bytes':
      return new Uint8Array(0);
    case 'records':
      return f.nullableVersions ? null : new Uint8Array(0);
    default:
      return Number(f.default ?? '0');
  }
}

function struct(m: Message, name: string): Struct {
  const s = m.structs.get(name);
  if (!s) throw new Error(`${m.name}: no struct ${name}`);
  return s;
}

function defaultStruct(m: Message, name: string): Record<string, unknown> {
  return Object.fromEntries(struct(m, name).fields.map((f) => [f.prop, defaultValue(m, f)]));
}

const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = HEX(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

/** What to generate besides plain fields. */
export interface ArbOptions {
  /** Random values for tagged fields (else their defaults, so they are not sent) @default true */
  readonly tagged?: boolean;
  /** Unknown tagged fields now and then @default true */
  readonly unknownTags?: boolean;
}

function typeArb(m: Message, t: TypeRef, v: number, depth: number, options: ArbOptions): fc.Arbitrary<unknown> {
  if (t.kind === 'array') return fc.array(typeArb(m, t.element, v, depth + 1, options), { maxLength: depth > 2 ? 1 : 3 });
  if (t.kind === 'struct') return structArb(m, struct(m, t.name), v, depth + 1, options);
  switch (t.name) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 6 });
    case 'uuid':
      return uuid;
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 12 });
  }
}

function fieldArb(m: Message, f: Field, v: number, depth: number, options: ArbOptions): fc.Arbitrary<unknown> {
  if (!present(f, v) || (options.tagged === false && tagged(f, v))) return fc.constant(defaultValue(m, f));
  const base = typeArb(m, f.type, v, depth, options);
  return nullable(f, v) ? fc.option(base, { nil: null, freq: 4 }) : base;
}

/** Unknown tagged fields for a struct in a flexible version: unused tags, ascending, raw bytes. */
function unknownTagsArb(s: Struct): fc.Arbitrary<Array<{ tag: number; data: Uint8Array }>> {
  const known = new Set(s.fields.filter((f) => f.tag !== null).map((f) => f.tag as number));
  const free = Array.from({ length: 40 }, (_, i) => i).filter((t) => !known.has(t));
  return fc
    .uniqueArray(fc.constantFrom(...free), { maxLength: 2 })
    .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((tag) => fc.uint8Array({ maxLength: 5 }).map((data) => ({ tag, data })))));
}

/** A random value of struct `s` as it can travel in version `v`. */
export function structArb(m: Message, s: Struct, v: number, depth = 0, options: ArbOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const record = fc.record(Object.fromEntries(s.fields.map((f) => [f.prop, fieldArb(m, f, v, depth, options)]))) as fc.Arbitrary<Record<string, unknown>>;
  if (!inRange(m.flexibleVersions, v) || options.unknownTags === false) return record;
  return fc.tuple(record, fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: unknownTagsArb(s) })).map(([o, unknown]) =>
    unknown.length > 0 ? { ...o, unknownTaggedFields: unknown } : o,
  );
}

/** A random top-level message of version `v`. */
export function messageArb(m: Message, v: number, options: ArbOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  return structArb(m, struct(m, m.name), v, 0, options);
}
