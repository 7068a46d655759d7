// Compiles the API and its CLI to plain JavaScript for production (`npm run start:production`):
// Steward's own workspace packages are bundled in; every npm dependency stays an import.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts', 'src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'dependencies-stay-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@steward/') ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});
