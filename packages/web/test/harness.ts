/**
 * What the browser tests need: Chromium (Debian's `chromium`, driven by playwright-core), the page
 * built by Vite with its real config, and a static server with the page's middleware (isolation
 * headers, Fashion-MNIST under /data/fashion-mnist/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { build } from 'vite';
import { tapegradMiddleware } from '../server/data_plugin.js';

export const webDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repoRoot = resolve(webDir, '../..');

/** Set to 1 to skip the browser tests where no Chromium is installed (CI never does). */
export const SKIP_ENV = 'TAPEGRAD_SKIP_BROWSER_TESTS';

/** Where Chromium is: `$CHROMIUM`, else the first of the usual names on the PATH; null when none. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) && statSync(fromEnv).isFile() ? fromEnv : null;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not this one
    }
  }
  return null;
}

/** The message of a test run that found no Chromium. */
export function noChromiumMessage(): string {
  const env = process.env.CHROMIUM ? `CHROMIUM=${process.env.CHROMIUM} does not exist; ` : '';
  return `${env}no Chromium found (looked for $CHROMIUM, chromium, chromium-browser, google-chrome) for the browser tests of @tapegrad/web. ` +
    `Install it: apt-get update && apt-get install -y chromium (or set CHROMIUM=/path/to/chrome). To skip these tests instead, set ${SKIP_ENV}=1.`;
}

/** Builds the page into a fresh temporary folder with its own vite.config.ts; returns the folder. */
export async function buildPage(): Promise<string> {
  for (const pkg of ['core', 'nn', 'nin', 'backend-cpu', 'backend-gpujs']) {
    const entry = join(repoRoot, 'packages', pkg, 'dist', pkg === 'nn' || pkg === 'nin' ? 'browser.js' : 'index.js');
    const source = join(repoRoot, 'packages', pkg, 'src', pkg === 'nn' || pkg === 'nin' ? 'browser.ts' : 'index.ts');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: the page is built from the packages' dist; run npx tsc -b first (npm test does)`);
    if (statSync(entry).mtimeMs < statSync(source).mtimeMs) throw new Error(`${entry} is older than its source: run npx tsc -b first (npm test does)`);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'tapegrad-web-'));
  await build({ root: webDir, configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** Serves the built page from `dir` on a free port; `isolate: false` leaves out the isolation headers. */
export async function servePage(dir: string, isolate: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const middleware = tapegradMiddleware({ isolate });
  const server: Server = createServer((req, res) => {
    middleware(req, res, (error?: unknown) => {
      if (error) {
        res.writeHead(500).end(String(error));
        return;
      }
      const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '');
      const file = join(dir, path === '/' ? 'index.html' : path);
      if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test server: no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** Headless Chromium with WebGL2 on SwiftShader (no GPU needed). */
export function launchChromium(executablePath: string, webgpu = false): Promise<Browser> {
  const args = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader');
  return chromium.launch({ executablePath, headless: true, args });
}

/** A page of the app with every console error and uncaught exception collected in `errors`. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ acceptDownloads: true });
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  return { page, errors };
}
