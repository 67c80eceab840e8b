import { defineConfig } from 'tsup';

// The library (Node and browser entries, ESM + CJS, declarations) and the CLI (CJS, one file).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'es2022',
    splitting: false,
    treeshake: true,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: false,
    clean: false,
  },
]);
