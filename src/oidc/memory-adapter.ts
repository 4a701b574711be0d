import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import {
  AlreadyConsumedError,
  epochSeconds,
  grantOf,
  type IndexKind,
  IndexLookups,
  indexesOf,
} from './adapter-common.js';

interface StoredModel {
  /** The payload as JSON: every find returns a fresh copy, as a read from Redis would. */
  readonly json: string;
  consumed?: number;
  readonly expiresAt: number;
}

interface StoredIndex {
  readonly id: string;
  readonly expiresAt: number;
}

/** Sweep expired entries after this many writes, so the maps stay bounded by what is live. */
const SWEEP_EVERY = 1000;

/**
 * One instance's oidc-provider models, for a service without Redis. Entries expire like Redis
 * keys: a read past `expiresAt` finds nothing, and a periodic sweep drops what nobody read again.
 */
export class MemoryOidcStore {
  readonly models = new Map<string, StoredModel>();
  readonly indexes = new Map<string, StoredIndex>();
  /** Grant id => the keys of its models => when each expires. */
  readonly grants = new Map<string, Map<string, number>>();
  #writes = 0;

  live<Entry extends { expiresAt: number }>(
    map: Map<string, Entry>,
    key: string,
  ): Entry | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  wrote(): void {
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY !== 0) return;
    const now = Date.now();
    for (const map of [this.models, this.indexes]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
    for (const [grantId, members] of this.grants) {
      for (const [key, expiresAt] of members) if (expiresAt <= now) members.delete(key);
      if (members.size === 0) this.grants.delete(grantId);
    }
  }
}

/** The oidc-provider adapter over a {@link MemoryOidcStore}; one instance per model name. */
export class MemoryAdapter extends IndexLookups implements Adapter {
  readonly #model: string;
  readonly #store: MemoryOidcStore;

  constructor(model: string, store: MemoryOidcStore) {
    super();
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = modelKey(this.#model, id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    const stored: StoredModel = { json: JSON.stringify(payload), expiresAt };
    if (typeof payload.consumed === 'number') stored.consumed = payload.consumed;
    this.#store.models.set(key, stored);
    for (const index of indexesOf(this.#model, payload)) {
      this.#store.indexes.set(`${index.kind}:${index.value}`, { id, expiresAt });
    }
    const grantId = grantOf(this.#model, payload);
    if (grantId !== undefined) {
      const members = this.#store.grants.get(grantId) ?? new Map<string, number>();
      members.set(key, expiresAt);
      this.#store.grants.set(grantId, members);
    }
    this.#store.wrote();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = this.#store.live(this.#store.models, modelKey(this.#model, id));
    if (!stored) return undefined;
    const payload = JSON.parse(stored.json) as AdapterPayload;
    if (stored.consumed !== undefined) payload.consumed = stored.consumed;
    return payload;
  }

  async consume(id: string): Promise<void> {
    const stored = this.#store.live(this.#store.models, modelKey(this.#model, id));
    if (stored && stored.consumed === undefined) {
      stored.consumed = epochSeconds();
      return;
    }
    // Consumed already (or revoked meanwhile): a replay, answered as the provider answers one.
    if (stored) {
      const grantId = grantOf(this.#model, JSON.parse(stored.json) as AdapterPayload);
      if (grantId !== undefined) this.#revokeGrant(grantId);
    }
    throw new AlreadyConsumedError(this.#model);
  }

  async destroy(id: string): Promise<void> {
    this.#store.models.delete(modelKey(this.#model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.#store.grants.get(grantId)?.keys() ?? []) this.#store.models.delete(key);
    this.#store.grants.delete(grantId);
  }

  /** The grant's tokens and the grant itself, as oidc-provider revokes a replayed code's grant. */
  #revokeGrant(grantId: string): void {
    void this.revokeByGrantId(grantId);
    this.#store.models.delete(modelKey('Grant', grantId));
  }

  protected async indexedId(kind: IndexKind, value: string): Promise<string | undefined> {
    return this.#store.live(this.#store.indexes, `${kind}:${value}`)?.id;
  }
}

const modelKey = (model: string, id: string) => `${model}:${id}`;

/** An adapter class for oidc-provider whose models all share one new in-memory store. */
export function memoryAdapter(): AdapterConstructor {
  const store = new MemoryOidcStore();
  return class extends MemoryAdapter {
    constructor(model: string) {
      super(model, store);
    }
  };
}
