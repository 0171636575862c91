// Builds the web client into a directory the API serves (default: ../src/Api/wwwroot).
// Usage: node build.mjs [outDir]. One JS bundle, one CSS bundle, the basemap and index.html; no external URLs.
import * as esbuild from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, '..', 'src', 'Api', 'wwwroot'));

await rm(out, { recursive: true, force: true });
await mkdir(path.join(out, 'app'), { recursive: true });
await esbuild.build({
  entryPoints: { app: path.join(here, 'src', 'app.js'), style: path.join(here, 'src', 'app.css') },
  outdir: path.join(out, 'app'),
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  // Leaflet's CSS names its control images; they are copied next to the bundle (no remote URLs, CSP img-src 'self').
  loader: { '.png': 'file', '.svg': 'file' },
  logLevel: 'warning',
});
// The offline basemap: Natural Earth 1:110m country outlines (TopoJSON) from world-atlas, fetched by the app.
await cp(path.join(here, 'node_modules', 'world-atlas', 'countries-110m.json'), path.join(out, 'app', 'countries-110m.json'));
await cp(path.join(here, 'src', 'index.html'), path.join(out, 'index.html'));
await cp(path.join(here, 'src', 'icon.svg'), path.join(out, 'app', 'icon.svg'));
console.log(`web client built into ${out}`);
