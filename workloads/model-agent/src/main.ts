/** Entry point of the model agent image: `node agent.js` (the esbuild bundle of this file). */
import { runAgent } from './agent';

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
});

// Exit as soon as the mode is done: idle keep-alive sockets of the cloud SDKs must not hold the
// process (a Job would never complete). Logs are on stdout, which Node writes synchronously to
// the pipe a container runtime gives it.
runAgent({ env: process.env, stopSignal }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'agent crashed', error: String(error) }),
    );
    process.exit(1);
  },
);
