// System programs the tests and the local stack run for real (Redis for queues,
// registry and limits; Prometheus for the autoscaling tests). They come from
// Debian's packages; apt does not start them, tests start them on loopback.
import { execFileSync, spawnSync } from 'node:child_process';

const PACKAGES = { 'redis-server': 'redis-server', prometheus: 'prometheus' };

function has(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/** Installs whichever of the programs is missing; throws with what to do when it cannot. */
export function ensureSystemDeps(binaries = Object.keys(PACKAGES)) {
  const missing = binaries.filter((b) => !has(b));
  if (missing.length === 0) return;
  const pkgs = missing.map((b) => PACKAGES[b]);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = (...args) =>
    asRoot
      ? execFileSync('apt-get', args, { stdio: 'inherit', env })
      : execFileSync('sudo', ['-n', 'apt-get', ...args], { stdio: 'inherit', env });
  console.error(`[deps] installing ${pkgs.join(', ')} with apt-get`);
  try {
    aptGet('update', '-qq');
    aptGet('install', '-y', '-qq', '--no-install-recommends', ...pkgs);
  } catch {
    throw new Error(`could not install ${pkgs.join(', ')}; install them yourself (apt-get install ${pkgs.join(' ')})`);
  }
  // apt may start a packaged service; ours run on their own ports, so stop the system one.
  for (const svc of ['redis-server', 'prometheus']) spawnSync('sh', ['-c', `service ${svc} stop 2>/dev/null || true`], { stdio: 'ignore' });
}
