// The viewer's browser code as one script: src/viewer/browser.ts and what it imports (the
// client SDK, the protocol codec, flatbuffers) bundled by esbuild into an IIFE for es2020
// browsers. Built once per process on first use; the promise is cached (a failed build is not,
// so the next call retries).

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runnableModule } from '../runtime/index.js';

const ENTRY = fileURLToPath(runnableModule(new URL('./browser.ts', import.meta.url)));

let cached: Promise<string> | null = null;

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild produced no output for the viewer bundle');
  return out.text;
}

/** The viewer's JavaScript (serve it as `application/javascript` at VIEWER_BUNDLE_PATH). */
export function viewerBundle(): Promise<string> {
  if (cached === null) {
    const p = bundle();
    cached = p;
    p.catch(() => {
      if (cached === p) cached = null;
    });
  }
  return cached;
}
