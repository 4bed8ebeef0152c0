// The verifier tables (src/protocol/generated/*_specs.ts, generated from flatc's binary schema)
// must agree with flatc's TypeScript output. This reads the generated accessors (field name ->
// vtable slot, read width) and compares: two independent outputs of flatc cross-check the table
// generator. Every string a server reads from untrusted bytes must have a byte cap.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ENTITY_STATE_SIZE } from '../../src/protocol/index.js';
import { EntityState, Rect } from '../../src/protocol/generated/server_generated.js';
import { CLIENT_TABLE_SPECS } from '../../src/protocol/generated/client_specs.js';
import { SERVER_TABLE_SPECS } from '../../src/protocol/generated/server_specs.js';
import { CLUSTER_TABLE_SPECS } from '../../src/protocol/generated/cluster_specs.js';
import type { FieldSpec, TableSpec } from '../../src/protocol/verify.js';

const GEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/protocol/generated/mmo/wire');

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

interface GeneratedField {
  name: string;
  id: number;
  read: string;
}

/** Accessors of a generated table class, in vtable order. */
function generatedFields(table: string): { fields: GeneratedField[]; startObject: number } {
  const src = fs.readFileSync(path.join(GEN, `${kebab(table)}.ts`), 'utf8');
  const re = /\n(\w+)(?:<[^>\n]*>)?\([^)\n]*\)[^{\n]*\{\n\s*const offset = this\.bb!\.__offset\(this\.bb_pos, (\d+)\);\n\s*return ([^\n]*)/g;
  const byId = new Map<number, GeneratedField>();
  for (const m of src.matchAll(re)) {
    const id = (Number(m[2]) - 4) / 2;
    if (!byId.has(id)) byId.set(id, { name: m[1], id, read: m[3] });
  }
  const so = /builder\.startObject\((\d+)\)/.exec(src);
  if (!so) throw new Error(`no startObject in ${table}`);
  return { fields: [...byId.values()].sort((a, b) => a.id - b.id), startObject: Number(so[1]) };
}

function expectedRead(f: FieldSpec): RegExp {
  switch (f.kind) {
    case 'scalar':
      return { 1: /read(Int8|Uint8)\(/, 2: /read(Int16|Uint16)\(/, 4: /read(Int32|Uint32|Float32)\(/, 8: /readFloat64\(/ }[f.size];
    case 'unionType':
      return /readUint8\(/;
    case 'string':
      return /__string\(/;
    case 'vector':
    case 'tableVector':
      return /__vector\(/;
    case 'struct':
      return /__init\(this\.bb_pos \+ offset/;
    case 'table':
      return /__indirect\(/;
    case 'union':
      return /__union\(/;
  }
}

function check(spec: TableSpec): void {
  const gen = generatedFields(spec.name);
  expect(gen.startObject, `${spec.name}: field count`).toBe(spec.fields.length);
  expect(gen.fields.map((f) => f.name), `${spec.name}: field names in id order`).toEqual(spec.fields.map((f) => camel(f.name)));
  gen.fields.forEach((g, i) => {
    expect(g.read, `${spec.name}.${g.name}`).toMatch(expectedRead(spec.fields[i]));
  });
  // Required fields: the generated end function checks exactly the spec's required ones.
  const src = fs.readFileSync(path.join(GEN, `${kebab(spec.name)}.ts`), 'utf8');
  const required = [...src.matchAll(/builder\.requiredField\(offset, (\d+)\)/g)].map((m) => (Number(m[1]) - 4) / 2);
  expect(required, `${spec.name}: required fields`).toEqual(
    spec.fields.flatMap((f, i) => (f.required ? [i] : [])),
  );
}

describe('verifier specs mirror the schema', () => {
  for (const spec of [...CLIENT_TABLE_SPECS, ...SERVER_TABLE_SPECS]) {
    it(spec.name, () => check(spec));
  }

  it('every string of an untrusted message (client.fbs, cluster.fbs) has a byte cap', () => {
    const uncapped = [...CLIENT_TABLE_SPECS, ...CLUSTER_TABLE_SPECS].flatMap((t) =>
      t.fields.flatMap((f) => (f.kind === 'string' && f.maxBytes === undefined ? [`${t.name}.${f.name}`] : [])),
    );
    expect(uncapped).toEqual([]);
  });

  it('struct sizes', () => {
    expect(EntityState.sizeOf()).toBe(ENTITY_STATE_SIZE);
    expect(ENTITY_STATE_SIZE).toBeLessThanOrEqual(40);
    expect(Rect.sizeOf()).toBe(16);
  });
});
