/**
 * Builds the browser demo with esbuild into a folder (index.html + main.js), and with `--serve`
 * serves it: `npm run demo:web` → http://localhost:5173.
 */
import { copyFileSync, createReadStream, existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** Bundles the demo into `outDir`; returns the bundle's size in bytes. */
export async function buildDemo(outDir: string): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, 'main.ts')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: process.env.ML3_DEMO_MINIFY !== '0',
    metafile: true,
    logLevel: 'error',
  });
  copyFileSync(join(HERE, 'index.html'), join(outDir, 'index.html'));
  return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Serves `dir` over HTTP on `port` (0: any free port); resolves once listening. */
export function serveDemo(dir: string, port = 0): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(HERE, 'dist');
  const bytes = await buildDemo(out);
  console.log(`built ${out} (main.js ${(bytes / 2 ** 20).toFixed(1)} MiB)`);
  if (process.argv.includes('--serve')) {
    const port = Number(process.env.PORT ?? 5173);
    await serveDemo(out, port);
    console.log(`open http://localhost:${port}/ (Ctrl-C stops)`);
  }
}
