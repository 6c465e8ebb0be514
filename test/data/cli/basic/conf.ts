// Fixtures: parameters that no benchmark binds itself come from here.
export function a(): number {
  return 2;
}

export function b(): number {
  return 10;
}
