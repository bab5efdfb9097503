import { ConfigError, loadGatewayConfig } from './config/gateway.config';
import { createGatewayApp } from './app.factory';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const app = await createGatewayApp(config);
  await app.listen(config.port, config.host);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  console.log(`Tessera gateway listening on http://${shownHost}:${config.port} (API docs: /docs)`);
}

main().catch((err: Error) => {
  const known = err instanceof ConfigError || 'code' in err;
  console.error(`[gateway] failed to start: ${known ? err.message : `${err.name}: ${err.message}`}`);
  process.exit(1);
});
