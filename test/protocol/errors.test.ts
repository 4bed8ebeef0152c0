// The error policy in code matches the table in schemas/PROTOCOL.md (section 9), and every
// ErrorCode of the schema has a policy.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ErrorCode, WS_CLOSE, errorCodeName, errorPolicy } from '../../src/protocol/index.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas/PROTOCOL.md');

const codes = Object.values(ErrorCode).filter((v): v is ErrorCode => typeof v === 'number' && v !== ErrorCode.None);

describe('error policy', () => {
  it('matches the PROTOCOL.md table', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const rows = [...doc.matchAll(/^\| (\d+) \| (\w+) \| .* \| (yes|no) \| (\d{4}|–) \|$/gm)];
    expect(rows.map((r) => Number(r[1]))).toEqual(codes);
    for (const [, num, name, fatal, close] of rows) {
      const code = Number(num) as ErrorCode;
      expect(errorCodeName(code)).toBe(name);
      const p = errorPolicy(code);
      expect(p.fatal, name).toBe(fatal === 'yes');
      if (p.fatal) expect(p.closeCode, name).toBe(Number(close));
      else expect(p.closeCode, name).toBe(WS_CLOSE.policyViolation);
    }
  });

  it('unknown codes are fatal and have a printable name', () => {
    expect(errorPolicy(999 as ErrorCode)).toEqual({ fatal: true, closeCode: WS_CLOSE.protocolError });
    expect(errorCodeName(999)).toBe('ErrorCode(999)');
  });
});
