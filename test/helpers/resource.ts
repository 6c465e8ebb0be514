/** A value for memo tests that counts how often it was disposed. */
export class Resource<Id = string> {
  disposed = 0;
  constructor(readonly id: Id) {}
  [Symbol.dispose](): void {
    this.disposed++;
  }
}
