// A real `hoptrace serve` as a child process: temp data dir, every port ephemeral, torn down with its
// data dir. The binary comes from $HOPTRACE_BINARY (CTest sets it) or the release build.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const READY_LINE = 'Ctrl-C to stop.';

export function hoptraceBinary() {
  return process.env.HOPTRACE_BINARY ?? path.join(REPO_ROOT, 'build/release/cli/hoptrace');
}

function portAfter(output, label) {
  const match = output.match(new RegExp(`${label}[^\\n]*?127\\.0\\.0\\.1:(\\d+)`));
  return match ? Number(match[1]) : 0;
}

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function isReady(queryUrl) {
  try {
    return (await fetch(`${queryUrl}/readyz`)).ok;
  } catch {
    return false;
  }
}

// Starts serve; resolves once every port is printed and /readyz answers 200.
// `queryPort` 0 picks a free one; a fixed one lets a test restart serve behind an open page.
// Returns { queryUrl, otlpHttpUrl, dataDir, output(), stop() }.
export async function startServe({ queryPort = 0, extraArgs = [] } = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hoptrace-ui-test-'));
  const args = ['serve', '--data-dir', dataDir, '--bind', '127.0.0.1', '--fsync', 'never',
    '--otlp-grpc-port', '0', '--otlp-http-port', '0', '--zipkin-port', '0', '--query-port', String(queryPort), ...extraArgs];
  const child = spawn(hoptraceBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let hasExited = false;
  exited.then(() => { hasExited = true; });
  child.once('error', (error) => { output += `spawn failed: ${error.message}\n`; hasExited = true; });

  const stop = async () => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(killTimer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitUntil(() => hasExited || output.includes(READY_LINE), START_TIMEOUT_MS, 'serve to print its ports');
    if (hasExited) throw new Error('hoptrace serve exited during start-up');
    const queryPort = portAfter(output, 'query API on http://');
    const otlpHttpPort = portAfter(output, 'otlp_http receiver on ');
    if (!queryPort || !otlpHttpPort) throw new Error('serve did not print its query and OTLP/HTTP ports');
    const queryUrl = `http://127.0.0.1:${queryPort}`;
    await waitUntil(() => isReady(queryUrl), START_TIMEOUT_MS, '/readyz');
    return { queryUrl, otlpHttpUrl: `http://127.0.0.1:${otlpHttpPort}`, dataDir, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${hoptraceBinary()} ${args.join(' ')}\n--- output ---\n${output}`);
  }
}
