// The list group of the 2006 lio_submit patch (struct lio_event): a count of
// the list's requests that starts at one, an extra reference held while the
// list is being submitted so that requests completing meanwhile cannot end
// the group early, dropped once the last entry is queued (lio_check).

/** @internal */
export class ListGroup {
  #users = 1;
  #failed = false;
  readonly #onDone: (failed: boolean) => void;

  constructor(onDone: (failed: boolean) => void) {
    this.#onDone = onDone;
  }

  /** One more request belongs to the group. */
  hold(): void {
    this.#users++;
  }

  /** A request of the group reached its final state (after its own notification). */
  check(failed: boolean): void {
    if (failed) this.#failed = true;
    if (--this.#users === 0) this.#onDone(this.#failed);
  }

  /**
   * Drops the submission reference. When nothing else holds the group (no
   * entry was queued) it ends right after the call, never from inside it.
   */
  dropInitial(): void {
    if (this.#users === 1) setImmediate(() => this.check(false));
    else this.check(false);
  }
}
