import { describe, expect, it } from "vitest";
import { splitLines } from "../../src/parse/source.js";

describe("splitLines", () => {
  const lines = (text: string) => splitLines(text, "f").map((l) => [l.line, l.raw]);

  it("numbers lines from 1, with or without a final newline", () => {
    expect(lines("a\nb")).toEqual([[1, "a"], [2, "b"]]);
    expect(lines("a\nb\n")).toEqual([[1, "a"], [2, "b"]]);
    expect(lines("x\n\ny")).toEqual([[1, "x"], [2, ""], [3, "y"]]);
  });

  it("gives no line for empty text, and one empty line for a lone newline", () => {
    expect(lines("")).toEqual([]);
    expect(lines("\n")).toEqual([[1, ""]]);
    expect(lines("\n\n")).toEqual([[1, ""], [2, ""]]);
  });

  it("drops the CR of CRLF text and terminal colour escapes, keeping the file name", () => {
    expect(lines("a\r\nb\r\n")).toEqual([[1, "a"], [2, "b"]]);
    expect(lines("\x1b[31m-A X\x1b[0m -j ACCEPT\n")).toEqual([[1, "-A X -j ACCEPT"]]);
    expect(splitLines("a", "dump.txt")[0]).toEqual({ file: "dump.txt", line: 1, column: 1, raw: "a" });
  });
});
