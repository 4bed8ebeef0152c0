#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: tests and a world's child roles started from
// sources use it. The installed `mmo` bin runs the build in dist/ (dist/cli/bin.js) instead.
import { register } from 'tsx/esm/api';

register();
await import('./bin.ts');
