/**
 * Generates `kafka/protocol/generated/*.ts` from Kafka's message definitions in
 * `kafka/protocol/schema/` (run: `npm run kafka:generate`, i.e. `npx tsx kafka/protocol/generate.ts`).
 *
 * One file per API (request + response), one per data schema (ConsumerProtocolSubscription /
 * Assignment) and one per header, plus `registry.ts`. Each file holds:
 * - an interface per struct (properties = JSON names with a lower-case first letter), every
 *   property documented with the versions it exists in, is nullable in and is tagged in;
 * - `default<Struct>()` factories (every field at its schema default);
 * - `decode<Message>(reader, version)` / `encode<Message>(writer, version, value)`;
 * - for APIs, `<Api>Api: ApiCodec<Req, Res>`.
 *
 * Encoding rules (the same as Kafka's own generator, `MessageDataGenerator`):
 * - A field absent from a version decodes to its default and is skipped on encode. Kafka's Java
 *   code throws when a non-ignorable field holds a non-default value in a version that lacks it;
 *   these codecs skip it silently instead, because a server builds one response and encodes it at
 *   whatever version the client asked for (tested: the round-trip arbitraries put defaults there).
 * - Flexible versions use compact strings/bytes/arrays and end every struct with a tagged-field
 *   section; a field with `tag`/`taggedVersions` travels there (only when not at its default) in
 *   those versions. Unknown tags are kept in `unknownTaggedFields` and written back on encode.
 * - Null in a version where the field is not nullable throws `KafkaProtocolError('invalid_value')`.
 * - `records` fields stay raw bytes (`Uint8Array | null`).
 * - A nullable struct is an int8 marker (-1 = null, 1 = present) followed by the struct.
 */
import { writeFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  everNullable,
  fieldFlexible,
  inRange,
  loadMessage,
  nullable,
  present,
  tagged,
  type Field,
  type Message,
  type Struct,
  type TypeRef,
  type VersionRange,
} from './schema.js';

/** The APIs to generate: Kafka's name (files `<name>Request.json` / `<name>Response.json`). */
export const API_NAMES = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'OffsetCommit',
  'OffsetFetch',
  'FindCoordinator',
  'JoinGroup',
  'Heartbeat',
  'LeaveGroup',
  'SyncGroup',
  'DescribeGroups',
  'ListGroups',
  'SaslHandshake',
  'ApiVersions',
  'CreateTopics',
  'DeleteTopics',
  'InitProducerId',
  'DescribeConfigs',
  'AlterConfigs',
  'CreatePartitions',
  'DeleteGroups',
  'IncrementalAlterConfigs',
  'OffsetDelete',
  'DescribeCluster',
  'ConsumerGroupHeartbeat',
] as const;

/** Data schemas and headers generated on their own (not APIs). */
export const STANDALONE_NAMES = ['ConsumerProtocolSubscription', 'ConsumerProtocolAssignment', 'RequestHeader', 'ResponseHeader'] as const;

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the JSON definitions live. */
export const SCHEMA_DIR = join(HERE, 'schema');
/** Where the generated TypeScript goes. */
export const GENERATED_DIR = join(HERE, 'generated');

/** `ApiVersions` → `api-versions`. */
export function fileName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function formatRange(r: VersionRange | null | undefined): string {
  if (!r) return 'none';
  if (r.max === Infinity) return `${r.min}+`;
  return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`;
}

/** `v` conditions for the contiguous versions [a, b] within the message's valid range. */
function condition(a: number, b: number, valid: VersionRange): string | null {
  const lo = a <= valid.min;
  const hi = b >= valid.max;
  if (lo && hi) return null;
  if (a === b) return `v === ${a}`;
  if (lo) return `v <= ${b}`;
  if (hi) return `v >= ${a}`;
  return `v >= ${a} && v <= ${b}`;
}

/**
 * Emits a statement per version, merging runs of versions with the same statement into one
 * branch: `if (v >= 9) A; else if (v >= 3) B;`.
 */
function byVersion(valid: VersionRange, indent: string, stmt: (v: number) => string | null): string[] {
  const groups: Array<{ a: number; b: number; s: string | null }> = [];
  for (let v = valid.min; v <= valid.max; v++) {
    const s = stmt(v);
    const last = groups[groups.length - 1];
    if (last && last.s === s) last.b = v;
    else groups.push({ a: v, b: v, s });
  }
  const live = groups.filter((g) => g.s !== null) as Array<{ a: number; b: number; s: string }>;
  if (live.length === 0) return [];
  if (live.length === 1 && groups.length === 1) return [`${indent}${live[0]?.s}`];
  const out: string[] = [];
  live.forEach((g, i) => {
    const c = condition(g.a, g.b, valid) ?? 'true';
    out.push(`${indent}${i === 0 ? 'if' : '} else if'} (${c}) {`);
    out.push(`${indent}  ${g.s}`);
  });
  out.push(`${indent}}`);
  return out;
}

/**
 * Indents `body` into the function and, unless every version is flexible, wraps it in an
 * `if` on the flexible versions (the tagged-field section exists only there).
 */
function inFlexible(m: Message, body: readonly string[]): string[] {
  const marker = '\u0000';
  return byVersion(m.validVersions, '  ', (v) => (inRange(m.flexibleVersions, v) ? marker : null)).flatMap((line) =>
    line.trim() === marker ? body.map((b) => line.replace(marker, b)) : [line],
  );
}

const PRIMITIVE_TS: Record<string, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  uint32: 'number',
  int64: 'bigint',
  float64: 'number',
  string: 'string',
  uuid: 'string',
  bytes: 'Uint8Array',
  records: 'Uint8Array',
};

const PRIMITIVE_RW: Record<string, string> = {
  bool: 'Bool',
  int8: 'Int8',
  int16: 'Int16',
  uint16: 'Uint16',
  int32: 'Int32',
  uint32: 'Uint32',
  int64: 'Int64',
  float64: 'Float64',
  uuid: 'Uuid',
};

/** Generates one module: the structs of one or more messages (an API's request and response). */
class ModuleGen {
  private readonly lines: string[] = [];
  private readonly emittedTypes = new Map<string, string>();
  private readonly imports = new Set<string>();
  private readonly runtimeImports = new Set<string>();
  private readonly typeImports = new Set<string>(['Reader', 'Writer']);

  /** TypeScript name of each struct, by `<message>/<struct>`. */
  private readonly names = new Map<string, string>();
  /** The message being emitted. */
  private current: Message | undefined;

  /**
   * @param messages the messages of the module; `prefix` distinguishes their private read/write
   *   functions. A struct defined by two of them with the same fields is emitted once; with
   *   different fields, the later one is renamed `<Message><Struct>`.
   */
  constructor(private readonly messages: ReadonlyArray<{ message: Message; prefix: string }>) {
    const signatures = new Map<string, string>();
    // Two structs are the same only if the structs they contain are the same too.
    const deep = (message: Message, name: string): string => {
      const st = message.structs.get(name) as Struct;
      const nested = (t: TypeRef): string | null => (t.kind === 'struct' ? deep(message, t.name) : t.kind === 'array' ? nested(t.element) : null);
      return JSON.stringify(st.fields.map((f) => ({ ...f, about: undefined, nested: nested(f.type) })));
    };
    for (const { message } of messages) {
      for (const st of message.structs.values()) {
        const signature = deep(message, st.name);
        const taken = signatures.get(st.name);
        const name = taken === undefined || taken === signature ? st.name : `${message.name}${st.name}`;
        if (taken === undefined) signatures.set(st.name, signature);
        this.names.set(`${message.name}/${st.name}`, name);
      }
    }
  }

  /** The TypeScript name of a struct of the message being emitted. */
  private ts(struct: string): string {
    const m = this.current as Message;
    const name = this.names.get(`${m.name}/${struct}`);
    if (name === undefined) throw new Error(`${m.name}: unknown struct ${struct}`);
    return name;
  }

  private tsType(t: TypeRef): string {
    if (t.kind === 'primitive') return PRIMITIVE_TS[t.name] as string;
    if (t.kind === 'array') return `${this.tsType(t.element)}[]`;
    return this.ts(t.name);
  }

  private fieldType(f: Field): string {
    return this.tsType(f.type) + (everNullable(f) ? ' | null' : '');
  }

  private defaultExpr(m: Message, owner: string, f: Field): string {
    const d = f.default;
    if (d === 'null') {
      if (!everNullable(f)) throw new Error(`${m.name}.${owner}.${f.name}: default null on a non-nullable field`);
      return 'null';
    }
    const t = f.type;
    if (t.kind === 'array') {
      if (d !== undefined && d !== '') throw new Error(`${m.name}.${owner}.${f.name}: unsupported array default ${d}`);
      return '[]';
    }
    if (t.kind === 'struct') {
      if (d !== undefined) throw new Error(`${m.name}.${owner}.${f.name}: unsupported struct default ${d}`);
      return `default${this.ts(t.name)}()`;
    }
    switch (t.name) {
      case 'bool':
        if (d !== undefined && d !== 'true' && d !== 'false') throw new Error(`${f.name}: bad bool default ${d}`);
        return d === 'true' ? 'true' : 'false';
      case 'int64':
        return `${BigInt(d ?? '0').toString()}n`;
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
      case 'float64': {
        const n = Number(d ?? '0');
        if (!Number.isFinite(n)) throw new Error(`${f.name}: bad numeric default ${d}`);
        return String(n);
      }
      case 'string':
        return JSON.stringify(d ?? '');
      case 'uuid':
        if (d !== undefined) throw new Error(`${f.name}: uuid defaults are not supported`);
        this.imports.add('ZERO_UUID');
        return 'ZERO_UUID';
      case 'bytes':
      case 'records':
        if (d !== undefined) throw new Error(`${f.name}: bytes defaults are not supported`);
        // Kafka's Java default for a records field is null; for bytes it is empty.
        return t.name === 'records' && everNullable(f) ? 'null' : 'new Uint8Array(0)';
    }
  }

  private readExpr(prefix: string, t: TypeRef, isNull: boolean, flex: boolean, r: string): string {
    if (t.kind === 'primitive') {
      const rw = PRIMITIVE_RW[t.name];
      if (rw) return `${r}.read${rw}()`;
      const base = t.name === 'string' ? 'String' : 'Bytes';
      return `${r}.read${flex ? 'Compact' : ''}${isNull ? 'Nullable' : ''}${base}()`;
    }
    if (t.kind === 'array') {
      return `${r}.read${flex ? 'Compact' : ''}${isNull ? 'Nullable' : ''}Array((e) => ${this.readExpr(prefix, t.element, false, flex, 'e')})`;
    }
    if (isNull) {
      this.runtimeImports.add('readNullableStruct');
      return `readNullableStruct(${r}, (e) => read${prefix}${t.name}(e, v))`;
    }
    return `read${prefix}${t.name}(${r}, v)`;
  }

  private writeExpr(prefix: string, path: string, t: TypeRef, isNull: boolean, mayBeNull: boolean, flex: boolean, w: string, value: string): string {
    let val = value;
    if (mayBeNull && !isNull) {
      this.runtimeImports.add('notNull');
      val = `notNull(${value}, '${path}', v)`;
    }
    if (t.kind === 'primitive') {
      const rw = PRIMITIVE_RW[t.name];
      if (rw) return `${w}.write${rw}(${val})`;
      const base = t.name === 'string' ? 'String' : 'Bytes';
      return `${w}.write${flex ? 'Compact' : ''}${isNull ? 'Nullable' : ''}${base}(${val})`;
    }
    if (t.kind === 'array') {
      const inner = this.writeExpr(prefix, `${path}[]`, t.element, false, false, flex, 'e', 'x');
      return `${w}.write${flex ? 'Compact' : ''}${isNull ? 'Nullable' : ''}Array(${val}, (e, x) => ${inner})`;
    }
    if (isNull) {
      this.runtimeImports.add('writeNullableStruct');
      return `writeNullableStruct(${w}, ${val}, (e, x) => write${prefix}${t.name}(e, v, x))`;
    }
    return `write${prefix}${t.name}(${w}, v, ${val})`;
  }

  /** Code that is true when a tagged field holds something other than its default. */
  private nonDefault(m: Message, owner: string, f: Field, value: string): string {
    const d = this.defaultExpr(m, owner, f);
    if (d === 'null') return `${value} !== null`;
    const t = f.type;
    const orNull = everNullable(f) ? `${value} === null || ` : '';
    if (t.kind === 'array' || (t.kind === 'primitive' && (t.name === 'bytes' || t.name === 'records'))) return everNullable(f) ? `(${orNull}${value}.length !== 0)` : `${value}.length !== 0`;
    if (t.kind === 'struct') {
      this.runtimeImports.add('sameValue');
      return everNullable(f) ? `(${orNull}!sameValue(${value}, ${d}))` : `!sameValue(${value}, ${d})`;
    }
    return `${value} !== ${d}`;
  }

  private emitInterface(m: Message, s: Struct): void {
    const flexibleEver = m.flexibleVersions !== null;
    const name = this.ts(s.name);
    if (this.emittedTypes.has(name)) return;
    this.emittedTypes.set(name, s.name);
    const top = s.name === m.name;
    const lines = this.lines;
    if (top) {
      const key = m.apiKey === undefined ? '' : ` (API key ${m.apiKey})`;
      lines.push(`/** ${m.name}${key}: versions ${formatRange(m.validVersions)}, flexible ${formatRange(m.flexibleVersions)}. */`);
    } else {
      lines.push(`/** ${name}, part of ${m.name}. */`);
    }
    lines.push(`export interface ${name} {`);
    for (const f of s.fields) {
      const notes = [`versions ${formatRange(f.versions)}`];
      if (f.nullableVersions) notes.push(`nullable ${formatRange(f.nullableVersions)}`);
      if (f.tag !== null) notes.push(`tag ${f.tag} in ${formatRange(f.taggedVersions)}`);
      if (f.default !== undefined) notes.push(`default ${f.default === '' ? '""' : f.default}`);
      if (f.ignorable) notes.push('ignorable');
      const about = (f.about ?? '').replace(/\*\//g, '* /').trim();
      lines.push(`  /** ${about}${about ? ' ' : ''}(${notes.join(', ')}) */`);
      lines.push(`  ${f.prop}: ${this.fieldType(f)};`);
    }
    if (flexibleEver) {
      lines.push('  /** Tagged fields this codec does not know, kept so that a re-encode preserves them. */');
      lines.push('  unknownTaggedFields?: RawTaggedField[];');
      this.typeImports.add('RawTaggedField');
    }
    lines.push('}', '');
    lines.push(`/** A new ${name} with every field at its schema default. */`);
    lines.push(`export function default${name}(): ${name} {`);
    lines.push(`  return { ${s.fields.map((f) => `${f.prop}: ${this.defaultExpr(m, s.name, f)}`).join(', ')} };`);
    lines.push('}', '');
  }

  private emitRead(m: Message, prefix: string, s: Struct): void {
    const valid = m.validVersions;
    const lines = this.lines;
    const local = (f: Field): string => `_${f.prop}`;
    const start = lines.length;
    for (const f of s.fields) {
      const stmt = (v: number): string | null =>
        present(f, v) && !tagged(f, v) ? `${local(f)} = ${this.readExpr(prefix, f.type, nullable(f, v), fieldFlexible(m, f, v), 'r')};` : null;
      const body = byVersion(valid, '  ', stmt);
      if (body.length === 1 && f.tag === null) {
        lines.push(`  const ${(body[0] as string).trim().replace(/;$/, '').replace(' = ', `: ${this.fieldType(f)} = `)};`);
      } else if (body.length === 0 && f.tag === null) {
        lines.push(`  const ${local(f)}: ${this.fieldType(f)} = ${this.defaultExpr(m, s.name, f)};`);
      } else {
        lines.push(`  let ${local(f)}: ${this.fieldType(f)} = ${this.defaultExpr(m, s.name, f)};`);
        lines.push(...body);
      }
    }
    const taggedFields = s.fields.filter((f) => f.tag !== null);
    if (m.flexibleVersions !== null) {
      this.typeImports.add('RawTaggedField');
      const inner: string[] = [];
      if (taggedFields.length === 0) {
        inner.push('unknown = r.readRawTaggedFields();');
      } else {
        inner.push('unknown = r.readTaggedFields((tag, t) => {');
        inner.push('  switch (tag) {');
        const tags = [...new Set(taggedFields.map((f) => f.tag as number))].sort((a, b) => a - b);
        for (const tag of tags) {
          inner.push(`    case ${tag}:`);
          let always = false;
          for (const f of taggedFields.filter((g) => g.tag === tag)) {
            const branch = byVersion(ModuleGen.flexRange(m), '      ', (v) =>
              tagged(f, v) ? `${local(f)} = ${this.readExpr(prefix, f.type, nullable(f, v), fieldFlexible(m, f, v), 't')}; return true;` : null,
            );
            if (branch.length === 1) always = true;
            inner.push(...branch);
          }
          if (!always) inner.push('      return false;');
        }
        inner.push('    default:', '      return false;', '  }', '});');
      }
      if (inFlexible(m, inner).length === inner.length) {
        // Flexible in every version: the section is always there.
        inner[0] = `const ${(inner[0] as string).replace('unknown = ', 'unknown: RawTaggedField[] | undefined = ')}`;
      } else {
        lines.push('  let unknown: RawTaggedField[] | undefined;');
      }
      lines.push(...inFlexible(m, inner));
    }
    lines.push(`  const o: ${this.ts(s.name)} = { ${s.fields.map((f) => `${f.prop}: ${local(f)}`).join(', ')} };`);
    if (m.flexibleVersions !== null) lines.push('  if (unknown) o.unknownTaggedFields = unknown;');
    lines.push('  return o;', '}', '');
    const usesV = lines.slice(start).some((l) => /\bv\b/.test(l));
    lines.splice(start, 0, `function read${prefix}${s.name}(r: Reader, ${usesV ? 'v' : '_v'}: number): ${this.ts(s.name)} {`);
  }

  private emitWrite(m: Message, prefix: string, s: Struct): void {
    const valid = m.validVersions;
    const lines = this.lines;
    const start = lines.length;
    for (const f of s.fields) {
      const path = `${s.name}.${f.prop}`;
      lines.push(
        ...byVersion(valid, '  ', (v) =>
          present(f, v) && !tagged(f, v)
            ? `${this.writeExpr(prefix, path, f.type, nullable(f, v), everNullable(f), fieldFlexible(m, f, v), 'w', `o.${f.prop}`)};`
            : null,
        ),
      );
    }
    if (m.flexibleVersions !== null) {
      const taggedFields = s.fields.filter((f) => f.tag !== null).sort((a, b) => (a.tag as number) - (b.tag as number));
      const inner: string[] = [];
      if (taggedFields.length === 0) {
        inner.push('w.writeTaggedFields([], o.unknownTaggedFields);');
      } else {
        this.typeImports.add('TaggedFieldEntry');
        inner.push('const tags: TaggedFieldEntry[] = [];');
        for (const f of taggedFields) {
          const path = `${s.name}.${f.prop}`;
          inner.push(
            ...byVersion(ModuleGen.flexRange(m), '', (v) =>
              tagged(f, v)
                ? `if (${this.nonDefault(m, s.name, f, `o.${f.prop}`)}) tags.push({ tag: ${f.tag}, write: (t) => ${this.writeExpr(prefix, path, f.type, nullable(f, v), everNullable(f), fieldFlexible(m, f, v), 't', `o.${f.prop}`)} });`
                : null,
            ),
          );
        }
        inner.push('w.writeTaggedFields(tags, o.unknownTaggedFields);');
      }
      lines.push(...inFlexible(m, inner));
    }
    lines.push('}', '');
    const usesV = lines.slice(start).some((l) => /\bv\b/.test(l));
    const usesO = lines.slice(start).some((l) => /\bo\b/.test(l));
    lines.splice(start, 0, `function write${prefix}${s.name}(w: Writer, ${usesV ? 'v' : '_v'}: number, ${usesO ? 'o' : '_o'}: ${this.ts(s.name)}): void {`);
  }

  /** The flexible versions within the valid ones (where tagged fields exist). */
  private static flexRange(m: Message): VersionRange {
    const f = m.flexibleVersions as VersionRange;
    return { min: Math.max(f.min, m.validVersions.min), max: Math.min(f.max, m.validVersions.max) };
  }

  /** Emits the structs, readers and writers of every message, then the public entry points. */
  body(): string[] {
    for (const { message, prefix } of this.messages) {
      this.current = message;
      for (const s of message.structs.values()) this.emitInterface(message, s);
      for (const s of message.structs.values()) {
        this.emitRead(message, prefix, s);
        this.emitWrite(message, prefix, s);
      }
      const { min, max } = message.validVersions;
      this.runtimeImports.add('checkVersion');
      this.lines.push(
        `/** Decodes a ${message.name} of \`version\` (${formatRange(message.validVersions)}); throws KafkaProtocolError on bad bytes. */`,
        `export function decode${message.name}(reader: Reader, version: number): ${message.name} {`,
        `  checkVersion('${message.name}', version, ${min}, ${max});`,
        `  return read${prefix}${message.name}(reader, version);`,
        '}',
        '',
        `/** Encodes a ${message.name} at \`version\` (${formatRange(message.validVersions)}); fields the version lacks are skipped. */`,
        `export function encode${message.name}(writer: Writer, version: number, value: ${message.name}): void {`,
        `  checkVersion('${message.name}', version, ${min}, ${max});`,
        `  write${prefix}${message.name}(writer, version, value);`,
        '}',
        '',
      );
    }
    return this.lines;
  }

  header(sources: string[]): string[] {
    const out = [
      `// Generated by kafka/protocol/generate.ts from kafka/protocol/schema/${sources.join(', ')}`,
      '// (Apache Kafka message definitions, Apache-2.0). Do not edit: change the generator and run `npm run kafka:generate`.',
    ];
    out.push(`import type { ${[...this.typeImports].sort().join(', ')} } from '../primitives.js';`);
    if (this.imports.size > 0) out.push(`import { ${[...this.imports].sort().join(', ')} } from '../primitives.js';`);
    out.push(`import { ${[...this.runtimeImports].sort().join(', ')} } from '../runtime.js';`);
    return out;
  }
}

function apiModule(dir: string, api: string): { file: string; text: string; request: Message; response: Message } {
  const request = loadMessage(dir, `${api}Request`);
  const response = loadMessage(dir, `${api}Response`);
  if (request.apiKey === undefined || request.apiKey !== response.apiKey) throw new Error(`${api}: request and response api keys differ`);
  if (formatRange(request.validVersions) !== formatRange(response.validVersions) || formatRange(request.flexibleVersions) !== formatRange(response.flexibleVersions)) {
    throw new Error(`${api}: request and response versions differ`);
  }
  const gen = new ModuleGen([
    { message: request, prefix: 'Req' },
    { message: response, prefix: 'Res' },
  ]);
  const body = gen.body();
  const { min, max } = request.validVersions;
  body.push(
    `/** ${api} (API key ${request.apiKey}): versions ${min}-${max}, flexible ${formatRange(request.flexibleVersions)}. */`,
    `export const ${api}Api: ApiCodec<${api}Request, ${api}Response> = {`,
    `  name: '${api}',`,
    `  key: ${request.apiKey},`,
    `  minVersion: ${min},`,
    `  maxVersion: ${max},`,
    `  flexibleFrom: ${request.flexibleVersions ? request.flexibleVersions.min : 'null'},`,
    `  decodeRequest: decode${api}Request,`,
    `  encodeRequest: encode${api}Request,`,
    `  decodeResponse: decode${api}Response,`,
    `  encodeResponse: encode${api}Response,`,
    `  defaultRequest: default${api}Request,`,
    `  defaultResponse: default${api}Response,`,
    '};',
    '',
  );
  const head = gen.header([`${api}Request.json`, `${api}Response.json`]);
  head.push(`import type { ApiCodec } from '../runtime.js';`, '');
  return { file: `${fileName(api)}.ts`, text: [...head, ...body].join('\n'), request, response };
}

function standaloneModule(dir: string, name: string): { file: string; text: string } {
  const message = loadMessage(dir, name);
  const gen = new ModuleGen([{ message, prefix: '' }]);
  const body = gen.body();
  const head = gen.header([`${name}.json`]);
  head.push('');
  return { file: `${fileName(name)}.ts`, text: [...head, ...body].join('\n') };
}

/** Generates every file: name → contents. Pure (reads the schema, writes nothing). */
export function generate(schemaDir = SCHEMA_DIR): Map<string, string> {
  const files = new Map<string, string>();
  const registry: string[] = [
    '// Generated by kafka/protocol/generate.ts. Do not edit: run `npm run kafka:generate`.',
  ];
  const apis: Array<{ api: string; key: number }> = [];
  for (const api of API_NAMES) {
    const mod = apiModule(schemaDir, api);
    files.set(mod.file, mod.text);
    apis.push({ api, key: mod.request.apiKey as number });
    registry.push(`import { ${api}Api } from './${mod.file.replace(/\.ts$/, '.js')}';`);
  }
  for (const name of STANDALONE_NAMES) {
    const mod = standaloneModule(schemaDir, name);
    files.set(mod.file, mod.text);
  }
  registry.push(
    '',
    '/** Kafka API name → API key, for every API these codecs cover. */',
    'export const API_KEYS = {',
    ...apis.map(({ api, key }) => `  ${api}: ${key},`),
    '} as const;',
    '',
    '/** A Kafka API name these codecs cover, e.g. `\'Metadata\'`. */',
    'export type ApiName = keyof typeof API_KEYS;',
    '',
    '/** API key → its codec ({@link ApiCodec}), for every API these codecs cover. */',
    'export const apis = {',
    ...[...apis].sort((a, b) => a.key - b.key).map(({ api, key }) => `  ${key}: ${api}Api,`),
    '} as const;',
    '',
    `export { ${apis.map(({ api }) => `${api}Api`).join(', ')} };`,
    ...apis.map(({ api }) => `export type { ${api}Request, ${api}Response } from './${fileName(api)}.js';`),
    '',
  );
  files.set('registry.ts', registry.join('\n'));
  return files;
}

/** Writes the generated files, removing stale ones. */
export function writeGenerated(outDir = GENERATED_DIR, schemaDir = SCHEMA_DIR): string[] {
  const files = generate(schemaDir);
  mkdirSync(outDir, { recursive: true });
  for (const existing of readdirSync(outDir)) if (existing.endsWith('.ts') && !files.has(existing)) rmSync(join(outDir, existing));
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  return [...files.keys()];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = writeGenerated();
  console.log(`wrote ${written.length} files to ${GENERATED_DIR}`);
}
