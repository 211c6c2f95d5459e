import { printIssues, readConfig, runGateway } from './commands.js';
import { demoPrinterEntry } from './demo.js';

/**
 * `cxp-edge demo`: the gateway with its embedded broker, simulated sources and an emulated Zebra
 * printer (the in-repo 9100 emulator on a free loopback port) registered as device `demo-zt411`
 * with a `shipping` label template. Print on it with an ACTION_REQUEST on `cxp/v1/<gw>/in`
 * (see README: "Try the demo").
 */
export async function runDemo(path: string): Promise<number> {
  // The emulator is needed only here: imported on demand, so `start` does not load it.
  const { ZebraEmulator } = await import('../../devices/zebra/emulator.js');
  const emulator = await ZebraEmulator.start({ msPerLabel: 250 });
  const loaded = readConfig(path, '', (doc) => {
    const devices = Array.isArray(doc.devices) ? (doc.devices as unknown[]) : [];
    doc.devices = [...devices, demoPrinterEntry(emulator.port)];
  });
  if (!loaded.ok) {
    printIssues(loaded);
    await emulator.stop();
    return 1;
  }
  return runGateway(loaded.config, {
    demo: true,
    components: [
      {
        name: 'demo-printer-emulator',
        start: () => Promise.resolve(),
        stop: () => emulator.stop(),
      },
    ],
  });
}
