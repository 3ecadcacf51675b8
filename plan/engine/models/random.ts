import { randomBytes, randomInt, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import type { ResourceModel } from "../monitor.js";
import { wireSecret } from "../wire.js";

/**
 * Models of the `random` provider: real random values from the OS CSPRNG, with the provider's character classes,
 * minimums and ids. Password results and byte values are returned secret, as the provider declares them.
 */

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const NUMERIC = "0123456789";
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

function randomText(inputs: Record<string, unknown>): string {
  const length = Number(inputs.length);
  const on = (key: string) => inputs[key] !== false;
  const special = typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : SPECIAL;
  const classes = [
    { chars: UPPER, enabled: on("upper"), min: Number(inputs.minUpper ?? 0) },
    { chars: LOWER, enabled: on("lower"), min: Number(inputs.minLower ?? 0) },
    { chars: NUMERIC, enabled: on("numeric") && inputs.number !== false, min: Number(inputs.minNumeric ?? 0) },
    { chars: special, enabled: on("special"), min: Number(inputs.minSpecial ?? 0) },
  ];
  const pool = classes.filter((c) => c.enabled).map((c) => c.chars).join("");
  const required = classes.reduce((n, c) => n + (c.enabled ? c.min : 0), 0);
  if (!pool || required > length) throw new Error(`random: length ${length} cannot satisfy the character classes and minimums`);
  const picked: string[] = [];
  for (const c of classes) if (c.enabled) for (let i = 0; i < c.min; i++) picked.push(c.chars[randomInt(c.chars.length)]!);
  while (picked.length < length) picked.push(pool[randomInt(pool.length)]!);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  return picked.join("");
}

const randomPassword: ResourceModel = (inputs) => {
  const result = randomText(inputs);
  return { id: "none", outputs: { ...inputs, result: wireSecret(result), bcryptHash: wireSecret(bcrypt.hashSync(result, 10)) } };
};

const randomString: ResourceModel = (inputs) => {
  const result = randomText(inputs);
  return { id: result, outputs: { ...inputs, result } };
};

const randomBytesModel: ResourceModel = (inputs) => {
  const bytes = randomBytes(Number(inputs.length));
  return { id: "none", outputs: { ...inputs, base64: wireSecret(bytes.toString("base64")), hex: wireSecret(bytes.toString("hex")) } };
};

const randomId: ResourceModel = (inputs) => {
  const bytes = randomBytes(Number(inputs.byteLength));
  const prefix = typeof inputs.prefix === "string" ? inputs.prefix : "";
  const b64Url = bytes.toString("base64url");
  return {
    id: b64Url,
    outputs: {
      ...inputs,
      b64Url: prefix + b64Url,
      b64Std: prefix + bytes.toString("base64"),
      hex: prefix + bytes.toString("hex"),
      dec: prefix + BigInt(`0x${bytes.toString("hex") || "0"}`).toString(10),
    },
  };
};

const randomUuid: ResourceModel = (inputs) => {
  const result = randomUUID();
  return { id: result, outputs: { ...inputs, result } };
};

export const randomModels: Record<string, ResourceModel> = {
  "random:index/randomPassword:RandomPassword": randomPassword,
  "random:index/randomString:RandomString": randomString,
  "random:index/randomBytes:RandomBytes": randomBytesModel,
  "random:index/randomId:RandomId": randomId,
  "random:index/randomUuid:RandomUuid": randomUuid,
};
