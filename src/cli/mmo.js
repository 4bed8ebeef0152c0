#!/usr/bin/env node
// Launcher for `npx mmo`: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
