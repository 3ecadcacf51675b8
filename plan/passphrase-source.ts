import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PassphraseSource } from "../config/stack-file.js";

/**
 * The passphrase the way the Pulumi CLI finds it (PULUMI_CONFIG_PASSPHRASE, then PULUMI_CONFIG_PASSPHRASE_FILE),
 * and, for the bundled demo cluster only, its checked-in demo passphrase so `npm run plan` works on a fresh clone.
 * Real clusters never get a fallback: their passphrase must come from the environment.
 */
export function cliPassphrase(cluster: string, root = process.cwd()): PassphraseSource {
  return () => {
    if (process.env.PULUMI_CONFIG_PASSPHRASE !== undefined) return process.env.PULUMI_CONFIG_PASSPHRASE;
    const file =
      process.env.PULUMI_CONFIG_PASSPHRASE_FILE ??
      (cluster === "demo" ? join(root, "stacks", "demo.passphrase") : undefined);
    return file && existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  };
}
