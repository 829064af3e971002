/** The sample node shipped with podpath (fixtures/eks-al2023-two-enis) and its sample packet. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SAMPLE_NODE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "eks-al2023-two-enis");
export const SAMPLE_PACKET = ["--src", "192.168.1.150", "--dst", "203.0.113.9", "--proto", "tcp", "--dport", "443"];
