/** The packet form's fields, as text the user edits, and their translation to the CLI's packet flags. */
import type { PacketFlags } from "../cli/packet-options.js";

export const FIELDS = ["src", "dst", "proto", "sport", "dport", "iif", "mark"] as const;
export type Field = (typeof FIELDS)[number];
export type FormValues = Record<Field, string>;

export const EMPTY_FORM: FormValues = { src: "", dst: "", proto: "tcp", sport: "", dport: "", iif: "", mark: "" };

export function flagsOf(form: Readonly<FormValues>): PacketFlags {
  const flags: PacketFlags = {};
  for (const f of FIELDS) {
    const v = form[f].trim();
    if (v !== "") flags[f] = v;
  }
  return flags;
}

/** Which field a packetFromFlags message is about (`--src x: …`, `--iif is needed: …`). */
export function fieldOfMessage(message: string): Field | null {
  const m = /^--(\w+)/.exec(message);
  const name = m?.[1];
  return (FIELDS as readonly string[]).includes(name ?? "") ? (name as Field) : null;
}
