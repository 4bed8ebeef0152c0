// Writes the verifier tables of one schema (src/protocol/generated/<schema>_specs.ts) from
// flatc's binary schema (see reflection.ts): a TableSpec per table for src/protocol/verify.ts,
// the struct sizes, the file identifier, and the value limits the schema declares with user
// attributes:
//
//   attribute "max_bytes";  attribute "max_chars";  attribute "min_chars";  attribute "max_len";
//   name: string (required, min_chars: 1, max_chars: 24);   // 1..24 Unicode characters
//   token: string (max_bytes: 512);                         // at most 512 bytes
//   inventory: [ItemStack] (max_len: 1024);                 // at most 1024 elements
//
// The verifier caps a string at max_bytes, or at max_chars x 4 (UTF-8 needs at most 4 bytes per
// character); a string with neither is bounded only by the frame. Character counts, minimums
// and vector lengths are checked by the decoders, which read them from <SCHEMA>_LIMITS.

import { BaseType, SCALAR_SIZE, type ReflField, type ReflObject, type ReflSchema } from './reflection.js';

const UTF8_MAX_BYTES_PER_CHAR = 4;

/** The limit attributes: schema name -> key in <SCHEMA>_LIMITS, and the field type it fits. */
const LIMIT_ATTRIBUTES: Readonly<Record<string, { key: string; on: 'string' | 'vector' }>> = {
  max_bytes: { key: 'maxBytes', on: 'string' },
  max_chars: { key: 'maxChars', on: 'string' },
  min_chars: { key: 'minChars', on: 'string' },
  max_len: { key: 'maxLen', on: 'vector' },
};

const shortName = (qualified: string): string => qualified.slice(qualified.lastIndexOf('.') + 1);
const screaming = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const specName = (table: string): string => `${screaming(table)}_SPEC`;

/** The declared limits of one field, checked for type and consistency. */
function fieldLimits(table: string, f: ReflField): Record<string, number> {
  const limits: Record<string, number> = {};
  const kind = f.type.baseType === BaseType.String ? 'string' : f.type.baseType === BaseType.Vector ? 'vector' : 'other';
  for (const [attr, value] of f.attributes) {
    const where = `${table}.${f.name} (${attr}: ${value})`;
    const def = LIMIT_ATTRIBUTES[attr];
    if (def === undefined) {
      throw new Error(`${where}: unknown attribute; known: ${Object.keys(LIMIT_ATTRIBUTES).join(', ')}`);
    }
    if (def.on !== kind) throw new Error(`${where}: ${attr} applies to a ${def.on} field only`);
    if (!/^(0|[1-9]\d{0,8})$/.test(value)) throw new Error(`${where}: needs a non-negative integer below 10^9`);
    limits[def.key] = Number(value);
  }
  if (limits.maxBytes !== undefined && limits.maxChars !== undefined) {
    throw new Error(`${table}.${f.name}: declare max_bytes or max_chars, not both`);
  }
  if (limits.minChars !== undefined && !(limits.minChars <= (limits.maxChars ?? -1))) {
    throw new Error(`${table}.${f.name}: min_chars needs a max_chars at least as large`);
  }
  return limits;
}

/** Writes an object literal on one line: { a: 1, b: 'x' }. */
function literal(entries: readonly [string, string | number | boolean][]): string {
  return `{ ${entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : String(v)}`).join(', ')} }`;
}

/** `export const NAME = { ...lines } as const;`, on one line when empty. */
function constObject(name: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [`export const ${name} = {} as const;`] : [`export const ${name} = {`, ...lines, '} as const;'];
}

class ModuleWriter {
  private readonly objects: readonly ReflObject[];
  private readonly written = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly out: string[] = [];

  constructor(private readonly schema: ReflSchema) {
    this.objects = schema.objects;
    const seen = new Set<string>();
    for (const o of this.objects) {
      const s = shortName(o.name);
      if (seen.has(s)) throw new Error(`two types named ${s} (in different namespaces): not supported`);
      seen.add(s);
    }
  }

  private object(index: number, what: string): ReflObject {
    const o = this.objects[index];
    if (o === undefined) throw new Error(`${what}: type index ${index} out of range`);
    return o;
  }

  /** The FieldSpec source of one table field; writes the tables it refers to first. */
  private fieldSpec(table: string, f: ReflField): string {
    const where = `${table}.${f.name}`;
    const t = f.type;
    const e: [string, string | number | boolean][] = [['name', `'${f.name}'`]];
    const scalar = SCALAR_SIZE[t.baseType];
    if (t.baseType === BaseType.UType) {
      e.push(['kind', "'unionType'"]);
    } else if (scalar !== undefined) {
      e.push(['kind', "'scalar'"], ['size', scalar]);
    } else if (t.baseType === BaseType.String) {
      e.push(['kind', "'string'"]);
      const l = fieldLimits(table, f);
      const cap = l.maxBytes ?? (l.maxChars === undefined ? undefined : l.maxChars * UTF8_MAX_BYTES_PER_CHAR);
      if (cap !== undefined) e.push(['maxBytes', cap]);
    } else if (t.baseType === BaseType.Vector) {
      const elemScalar = SCALAR_SIZE[t.element];
      if (elemScalar !== undefined) {
        e.push(['kind', "'vector'"], ['elemSize', elemScalar], ['elemAlign', elemScalar]);
      } else if (t.element === BaseType.Obj) {
        const o = this.object(t.index, where);
        if (o.isStruct) e.push(['kind', "'vector'"], ['elemSize', o.byteSize], ['elemAlign', o.minAlign]);
        else e.push(['kind', "'tableVector'"], ['table', this.table(o)]);
      } else {
        throw new Error(`${where}: vectors of ${BaseType[t.element]} are not supported by the verifier`);
      }
    } else if (t.baseType === BaseType.Obj) {
      const o = this.object(t.index, where);
      if (o.isStruct) e.push(['kind', "'struct'"], ['size', o.byteSize], ['align', o.minAlign]);
      else e.push(['kind', "'table'"], ['table', this.table(o)]);
    } else if (t.baseType === BaseType.Union) {
      const u = this.schema.enums[t.index];
      if (u === undefined || !u.isUnion) throw new Error(`${where}: union type index ${t.index} invalid`);
      const members = ['undefined']; // type 0 is NONE
      for (const v of u.values) {
        if (v.value === 0) continue;
        if (v.value > 255) throw new Error(`${where}: union value ${v.value} does not fit a byte`);
        while (members.length < v.value) members.push('undefined');
        members.push(this.table(this.object(v.objectIndex, `${where} member ${v.name}`)));
      }
      e.push(['kind', "'union'"], ['members', `[${members.join(', ')}]`]);
    } else {
      throw new Error(`${where}: field type ${BaseType[t.baseType]} is not supported by the verifier`);
    }
    if (t.baseType !== BaseType.String) fieldLimits(table, f); // rejects limits on other kinds
    if (f.required) e.push(['required', true]);
    return literal(e);
  }

  /** Writes the TableSpec of a table (once, after the tables it refers to); returns its name. */
  table(o: ReflObject): string {
    const name = shortName(o.name);
    if (o.isStruct) throw new Error(`${name} is a struct, not a table`);
    if (this.written.has(name)) return specName(name);
    if (this.pending.has(name)) throw new Error(`${name} contains itself: recursive tables are not supported`);
    this.pending.add(name);
    o.fields.forEach((f, i) => {
      if (f.id !== i) throw new Error(`${name}.${f.name}: field ids are not 0..n-1 (id ${f.id} at ${i})`);
    });
    const fields = o.fields.map((f) => `    ${this.fieldSpec(name, f)},`);
    this.out.push(
      `export const ${specName(name)}: TableSpec = {`,
      `  name: '${name}',`,
      `  fields: [`,
      ...fields,
      `  ],`,
      `};`,
    );
    this.pending.delete(name);
    this.written.add(name);
    return specName(name);
  }

  /** The whole module text. */
  module(prefix: string, header: readonly string[]): string {
    const tables = this.objects.filter((o) => !o.isStruct);
    const root = tables.find((o) => o.name === this.schema.rootTable);
    const ordered = root === undefined ? tables : [root, ...tables.filter((o) => o !== root)];
    for (const o of ordered) this.table(o);

    const structs = this.objects
      .filter((o) => o.isStruct)
      .map((o) => {
        for (const f of o.fields) fieldLimits(shortName(o.name), f); // rejects limits on struct fields
        return `  ${shortName(o.name)}: ${literal([['size', o.byteSize], ['align', o.minAlign]])},`;
      });
    const limits = tables.flatMap((o) => {
      const fields = o.fields.flatMap((f) => {
        const l = Object.entries(fieldLimits(shortName(o.name), f));
        return l.length === 0 ? [] : [`    ${f.name}: ${literal(l)},`];
      });
      return fields.length === 0 ? [] : [`  ${shortName(o.name)}: {`, ...fields, '  },'];
    });
    const ident =
      this.schema.fileIdent === ''
        ? []
        : ['', '/** File identifier at bytes 4..7 of every buffer (file_identifier). */', `export const ${prefix}_FILE_IDENTIFIER = '${this.schema.fileIdent}';`];
    return [
      ...header,
      '',
      "import type { TableSpec } from '../verify.js';",
      ...ident,
      '',
      ...this.out,
      '',
      '/** Every table (the root first). */',
      `export const ${prefix}_TABLE_SPECS: readonly TableSpec[] = [`,
      ...ordered.map((o) => `  ${specName(shortName(o.name))},`),
      '];',
      '',
      '/** Size and alignment in bytes of every struct. */',
      ...constObject(`${prefix}_STRUCTS`, structs),
      '',
      '/** The limits each table field declares (max_bytes, max_chars, min_chars, max_len). */',
      ...constObject(`${prefix}_LIMITS`, limits),
      '',
    ].join('\n');
  }
}

/**
 * The TypeScript module of verifier tables for one schema. `prefix` names the aggregates
 * (CLIENT -> CLIENT_TABLE_SPECS, CLIENT_STRUCTS, CLIENT_LIMITS, CLIENT_FILE_IDENTIFIER).
 */
export function verifierTablesModule(schema: ReflSchema, prefix: string, header: readonly string[]): string {
  return new ModuleWriter(schema).module(prefix, header);
}
