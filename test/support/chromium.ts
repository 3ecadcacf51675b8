// The browser of the real tier: Debian's chromium, driven through puppeteer-core (which never downloads a browser).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { CHROMIUM as DEBIAN_CHROMIUM } from "../../scripts/posture-screenshot.js";

/** Where the tests find chromium: `POSTURE_CHROMIUM` when set (e.g. to try a machine without it), else Debian's package. */
export const CHROMIUM = process.env.POSTURE_CHROMIUM || DEBIAN_CHROMIUM;

/** How to get it, as the skip reason and the failure say. */
export const INSTALL_CHROMIUM =
  "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium";

/**
 * Why the browser tests cannot run here, or false when they run. They run wherever chromium is installed; CI
 * requires them (.ci/run installs chromium and sets POSTURE_REQUIRE_BROWSER=1), so there an absent browser fails
 * the tests instead of skipping them.
 */
export function browserSkipReason(env: NodeJS.ProcessEnv = process.env): string | false {
  if (existsSync(CHROMIUM) || env.POSTURE_REQUIRE_BROWSER === "1") return false;
  return `${CHROMIUM} is absent; to run the browser tests: ${INSTALL_CHROMIUM}`;
}

/**
 * Headless, and quiet on the network: without the background-networking flags chromium opens its own connections
 * (component updates, sync, field trials, QUIC probes) that a machine without internet refuses by the dozen.
 * `--no-sandbox` because containers and CI run it as root, where the sandbox cannot start.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** A running chromium with a profile of its own; `stop()` closes it and removes the profile, and may be called twice. */
export interface Chromium {
  readonly browser: Browser;
  stop(): Promise<void>;
}

/** Starts chromium with a fresh user-data dir in the temp folder (removed again if the launch fails). */
export async function startChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`${INSTALL_CHROMIUM}\``);
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...FLAGS, `--user-data-dir=${profile}`],
      defaultViewport: null,
      // Puppeteer gives up after 30 s; beside the real tier's servers on 2 cores chromium has taken longer to start.
      timeout: 120_000,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    browser,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await browser.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      })()),
  };
}
