const ignore = () => {};

interface Flight {
  current: Promise<unknown>;
  next?: Promise<unknown>;
}

/**
 * Calls of one key share one call of the work, always one started after they were made:
 * while a call runs, the calls that arrive wait for it to end and then share the next one.
 * At most one call per key runs at a time, and none returns a result read before its caller
 * asked. For a value that must be fresh when asked but is the same for everyone asking at
 * once (a snapshot bound: every listing of an entity that arrives during one round trip
 * shares the next one, a query and a lock instead of one each).
 */
export class NextFlight<K, R> {
  private readonly flights = new Map<K, Flight>();

  run(key: K, work: () => Promise<R>): Promise<R> {
    const flight = this.flights.get(key);
    if (!flight) return this.start(key, work);
    flight.next ??= flight.current.then(ignore, ignore).then(() => this.start(key, work));
    return flight.next as Promise<R>;
  }

  private start(key: K, work: () => Promise<R>): Promise<R> {
    let current: Promise<R>;
    try {
      current = work();
    } catch (error) {
      current = Promise.reject(error);
    }
    const flight: Flight = { current };
    this.flights.set(key, flight);
    // Registered before any follower's: a flight with a follower stays until the follower replaces it.
    const done = () => {
      if (this.flights.get(key) === flight && flight.next === undefined) this.flights.delete(key);
    };
    current.then(done, done);
    return current;
  }

  /** Keys with a call running (tests). */
  get size(): number {
    return this.flights.size;
  }
}
