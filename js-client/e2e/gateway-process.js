// Starts the real gateway (the runnable jar) as a child process and reads its ports from the start-up line.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const JAR = fileURLToPath(new URL('../../gateway-server/target/switchboard.jar', import.meta.url));
export const API_KEY = 'e2e-test-key';

const STARTED = /Switchboard started: public=[^:\s]+:(\d+) .*admin=[^:\s]+:(\d+)/;

export const APP_SECRET = 'e2e-app-secret-that-is-at-least-32-bytes';

export async function startGateway(extraArgs = []) {
  if (!existsSync(JAR)) {
    throw new Error(`${JAR} is missing: build it first (./mvnw -B -pl gateway-server -am package -DskipTests)`);
  }
  const args = ['-jar', JAR, '--host=127.0.0.1', '--admin.api-key=' + API_KEY, '--presence-interval=100ms',
    '--echo-module=true', '--app.secret=' + APP_SECRET, '--drain=200ms', ...extraArgs];
  if (!extraArgs.some((a) => a.startsWith('--port='))) args.push('--port=0');
  if (!extraArgs.some((a) => a.startsWith('--admin.port='))) args.push('--admin.port=0');
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ports = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start in 30 s:\n' + output)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const m = STARTED.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), adminPort: Number(m[2]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    ...ports,
    url: `ws://127.0.0.1:${ports.port}`,
    http: `http://127.0.0.1:${ports.port}`,
    /** Publishes through the admin HTTP API. */
    async publish(body) {
      const res = await fetch(`http://127.0.0.1:${ports.adminPort}/api/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
    },
    /** SIGTERM, as systemd does; resolves with the exit code. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    output: () => output,
  };
}
