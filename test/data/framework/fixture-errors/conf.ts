export function broken(): number {
  throw new Error("no data here");
}

export function ping({ pong }: { pong: number }): number {
  return pong;
}

export function pong({ ping }: { ping: number }): number {
  return ping;
}
