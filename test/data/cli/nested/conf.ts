// A fixture at the top of the benchmark tree, used by files in subdirectories.
export function scale(): number {
  return 7;
}
