#!/usr/bin/env node
// The operator CLI. Its source is TypeScript, run through tsx as `npm start` is: no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main();
