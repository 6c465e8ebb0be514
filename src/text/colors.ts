/**
 * Terminal colors for the renderers. picocolors loads on first use: it sets up the terminal
 * streams, which a program that only imports nnbench should not pay for.
 */
import { createRequire } from "node:module";

type Picocolors = typeof import("picocolors");

/** The color functions picocolors makes: each wraps text in a style, or returns it as is when disabled. */
export type Colors = ReturnType<Picocolors["createColors"]>;

let picocolors: Picocolors | undefined;

/** Color functions that color when `enabled`, and return text unchanged otherwise. */
export function createColors(enabled: boolean): Colors {
  picocolors ??= createRequire(import.meta.url)("picocolors") as Picocolors;
  return picocolors.createColors(enabled);
}
