// The same code runs two ways: from the TypeScript sources through tsx (`npm run mmo`, tests)
// and from the build in dist/ (`npm start`, the `mmo` bin). A module that names another module
// by file (a worker entry, a bundle entry) asks here for the file that exists in this run.

/** True under tsx or vitest (this very file is a .ts), false in the compiled build. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** `source` names a .ts module; in a build its compiled .js sits at the same place in dist/. */
export function runnableModule(source: URL): URL {
  return RUNNING_FROM_SOURCE ? source : new URL(source.href.replace(/\.ts$/, '.js'));
}
