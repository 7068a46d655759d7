import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.STEWARD_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  // `npm run dev -w @steward/web` serves the console with hot reload against a running API.
  server: { port: 5173, proxy: { '/trpc': api, '/auth': api, '/workspace-logos': api } },
});
