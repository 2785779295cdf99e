// Vite: builds the dashboard into dist/ (the server serves it on the dashboard port); `vite` runs
// it with hot reload against a server on TC_API_URL (default http://127.0.0.1:3335).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.TC_API_URL ?? 'http://127.0.0.1:3335';

export default defineConfig({
  plugins: [react()],
  // Core's TypeScript sources: one schema for the API and the forms, no separate build step in dev.
  resolve: { conditions: ['@task-coordinator/source'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: {
    port: 5173,
    strictPort: false,
    // The server refuses cross-origin requests; through the proxy the page's origin is the API's.
    proxy: {
      '/api': {
        target: api,
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.setHeader('origin', api)),
      },
      '/socket.io': {
        target: api,
        changeOrigin: true,
        ws: true,
        configure: (proxy) => proxy.on('proxyReqWs', (req) => req.setHeader('origin', api)),
      },
    },
  },
});
