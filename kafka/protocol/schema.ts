/**
 * Reads Kafka's message definitions (`kafka/protocol/schema/*.json`, Apache-2.0, JSON with `//`
 * comments) into a small model shared by the code generator (`generate.ts`) and the tests, which
 * build their fast-check arbitraries from the same model so codec and test cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An inclusive version range; `max` is Infinity for an open range such as "3+". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** One field as written in the JSON. */
export interface FieldSpec {
  readonly name: string;
  readonly type: string;
  readonly versions?: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly default?: string;
  readonly ignorable?: boolean;
  readonly flexibleVersions?: string;
  readonly fields?: readonly FieldSpec[];
  readonly about?: string;
}

/** One message file (request, response, header or data). */
export interface MessageSpec {
  readonly apiKey?: number;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
  readonly commonStructs?: ReadonlyArray<{ readonly name: string; readonly versions?: string; readonly fields: readonly FieldSpec[] }>;
}

/** The primitive types of the message definitions. */
export const PRIMITIVES = ['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records'] as const;
/** One of {@link PRIMITIVES}. */
export type Primitive = (typeof PRIMITIVES)[number];

/** A field's type, resolved: a primitive, an array of something, or a named struct. */
export type TypeRef = { readonly kind: 'primitive'; readonly name: Primitive } | { readonly kind: 'array'; readonly element: TypeRef } | { readonly kind: 'struct'; readonly name: string };

/** A resolved field. */
export interface Field {
  /** The JSON name, e.g. `PartitionIndex`. */
  readonly name: string;
  /** The TypeScript property name, e.g. `partitionIndex`. */
  readonly prop: string;
  readonly type: TypeRef;
  readonly versions: VersionRange | null;
  readonly nullableVersions: VersionRange | null;
  readonly taggedVersions: VersionRange | null;
  readonly tag: number | null;
  /** The JSON default, if any (a string such as "-1", "null", "false"). */
  readonly default: string | undefined;
  readonly ignorable: boolean;
  /** Field-level override of the message's flexible versions (only RequestHeader.ClientId uses it). */
  readonly flexibleVersions: VersionRange | null | undefined;
  readonly about: string | undefined;
}

/** A resolved struct: the message itself or a nested / common struct. */
export interface Struct {
  readonly name: string;
  readonly fields: readonly Field[];
}

/** A resolved message: its structs by name, the top-level struct first. */
export interface Message {
  readonly spec: MessageSpec;
  readonly name: string;
  readonly type: MessageSpec['type'];
  readonly apiKey: number | undefined;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange | null;
  /** Every struct, top-level (named after the message) first. */
  readonly structs: ReadonlyMap<string, Struct>;
}

/** Parses "0+", "3-5", "7" or "none". */
export function parseVersions(text: string | undefined): VersionRange | null {
  if (text === undefined || text === 'none') return null;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range ${JSON.stringify(text)}`);
}

/** True when `v` lies in `range` (null = no version). */
export function inRange(range: VersionRange | null | undefined, v: number): boolean {
  return range !== null && range !== undefined && v >= range.min && v <= range.max;
}

/** Removes `//` line comments (outside strings) so the files parse as JSON. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** Kafka's own rule for property names: the JSON name with its first letter lower-cased. */
export function propName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function parseType(type: string): TypeRef {
  if (type.startsWith('[]')) return { kind: 'array', element: parseType(type.slice(2)) };
  if ((PRIMITIVES as readonly string[]).includes(type)) return { kind: 'primitive', name: type as Primitive };
  if (!/^[A-Z][A-Za-z0-9]*$/.test(type)) throw new Error(`unknown type ${type}`);
  return { kind: 'struct', name: type };
}

function structName(t: TypeRef): string | null {
  if (t.kind === 'struct') return t.name;
  if (t.kind === 'array') return structName(t.element);
  return null;
}

/** Resolves one message definition. */
export function resolveMessage(spec: MessageSpec): Message {
  const validVersions = parseVersions(spec.validVersions);
  if (validVersions === null) throw new Error(`${spec.name}: no valid versions`);
  const structs = new Map<string, Struct>();
  const pending: Array<{ name: string; fields: readonly FieldSpec[] }> = [];
  const resolveFields = (owner: string, fields: readonly FieldSpec[]): Field[] =>
    fields.map((f) => {
      const type = parseType(f.type);
      const nested = structName(type);
      if (f.fields) {
        if (nested === null) throw new Error(`${owner}.${f.name}: fields on a non-struct type`);
        pending.push({ name: nested, fields: f.fields });
      } else if (nested !== null && !spec.commonStructs?.some((c) => c.name === nested) && !hasDefinition(spec.fields, nested)) {
        throw new Error(`${owner}.${f.name}: struct ${nested} is never defined`);
      }
      if ((f.tag === undefined) !== (f.taggedVersions === undefined)) throw new Error(`${owner}.${f.name}: tag and taggedVersions go together`);
      return {
        name: f.name,
        prop: propName(f.name),
        type,
        versions: parseVersions(f.versions),
        nullableVersions: parseVersions(f.nullableVersions),
        taggedVersions: parseVersions(f.taggedVersions),
        tag: f.tag ?? null,
        // A few definitions write a JSON boolean or number rather than a string.
        default: f.default === undefined ? undefined : String(f.default),
        ignorable: f.ignorable ?? false,
        flexibleVersions: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions),
        about: f.about,
      };
    });
  structs.set(spec.name, { name: spec.name, fields: resolveFields(spec.name, spec.fields) });
  for (const c of spec.commonStructs ?? []) pending.push({ name: c.name, fields: c.fields });
  while (pending.length > 0) {
    const next = pending.shift() as { name: string; fields: readonly FieldSpec[] };
    if (structs.has(next.name)) throw new Error(`${spec.name}: struct ${next.name} defined twice`);
    structs.set(next.name, { name: next.name, fields: resolveFields(next.name, next.fields) });
  }
  return {
    spec,
    name: spec.name,
    type: spec.type,
    apiKey: spec.apiKey,
    validVersions,
    flexibleVersions: parseVersions(spec.flexibleVersions),
    structs,
  };
}

function hasDefinition(fields: readonly FieldSpec[] | undefined, name: string): boolean {
  for (const f of fields ?? []) {
    if (f.fields && structName(parseType(f.type)) === name) return true;
    if (hasDefinition(f.fields, name)) return true;
  }
  return false;
}

/** Reads and resolves `<dir>/<name>.json`. */
export function loadMessage(dir: string, name: string): Message {
  const text = readFileSync(join(dir, `${name}.json`), 'utf8');
  return resolveMessage(JSON.parse(stripComments(text)) as MessageSpec);
}

/** Whether a field is present in version `v`. */
export function present(f: Field, v: number): boolean {
  return inRange(f.versions, v);
}

/** Whether a field travels in the tagged section in version `v`. */
export function tagged(f: Field, v: number): boolean {
  return f.tag !== null && inRange(f.taggedVersions, v) && present(f, v);
}

/** Whether a field may be null in version `v`. */
export function nullable(f: Field, v: number): boolean {
  return inRange(f.nullableVersions, v);
}

/** Whether the field uses compact encodings in version `v` (message rule, or the field's override). */
export function fieldFlexible(m: Message, f: Field, v: number): boolean {
  return f.flexibleVersions === undefined ? inRange(m.flexibleVersions, v) : inRange(f.flexibleVersions, v);
}

/** True when the field is nullable in some version. */
export function everNullable(f: Field): boolean {
  return f.nullableVersions !== null;
}
