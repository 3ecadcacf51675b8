// `node --import tsx scripts/posture-screenshot.ts <in.html> <out.png>`: a full-page PNG of an HTML file (the
// posture page for docs/posture-and-evidence.md), taken with Debian's chromium through puppeteer-core.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser } from "puppeteer-core";
import { readableFile, refusedPaths, writableFile } from "../cli/files.js";

/** Debian's package (`apt-get install -y chromium`); puppeteer-core never downloads a browser of its own. */
export const CHROMIUM = "/usr/bin/chromium";
/** Wide enough for the table's twelve columns without horizontal scrolling in the screenshot. */
export const VIEWPORT = { width: 1280, height: 900 } as const;

/** A headless chromium; `--no-sandbox` because containers and CI run it as root, where the sandbox cannot start. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\``);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox"],
    defaultViewport: VIEWPORT,
  });
}

/** Writes a full-page screenshot of the HTML file `input` to `output`. */
export async function screenshotHtmlFile(input: string, output: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(resolve(input)).href, { waitUntil: "load" });
    await page.screenshot({ path: resolve(output), fullPage: true, type: "png" });
  } finally {
    await browser.close();
  }
}

// Run only as a script, so the test can reuse the launcher without taking a screenshot.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [input, output] = process.argv.slice(2);
  if (input === undefined || output === undefined || !output.endsWith(".png")) {
    console.error("usage: node --import tsx scripts/posture-screenshot.ts <in.html> <out.png>");
    process.exitCode = 2;
  } else if (refusedPaths("posture-screenshot", [readableFile(input), writableFile(output)], console.error)) {
    process.exitCode = 2;
  } else {
    try {
      await screenshotHtmlFile(input, output);
      console.log(`posture-screenshot: wrote ${output}`);
    } catch (error) {
      console.error(`posture-screenshot: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
}
