/**
 * The bookkeeping every backend's storage needs, written once: a handle per storage, its
 * reference count, the bytes it holds, and the live totals `memory()` reports. The backend keeps
 * what the storage is (an arena address, device buffers) and says how to free it.
 */
import type { DataId } from './backend.js';

interface Entry<S> {
  readonly storage: S;
  readonly bytes: number;
  refs: number;
}

/** Reference-counted storages of one backend, each of type `S`. */
export class StorageLedger<S> {
  private readonly entries = new Map<DataId, Entry<S>>();
  private liveBytes = 0;

  /**
   * @param backendName named in errors.
   * @param free releases a storage once its last reference is dropped (or on `clear`).
   */
  constructor(private readonly backendName: string, private readonly free: (storage: S) => void) {}

  /** Records `storage`, holding `bytes`, with one reference; returns its new handle. */
  add(storage: S, bytes: number): DataId {
    const id: DataId = {};
    this.entries.set(id, { storage, bytes, refs: 1 });
    this.liveBytes += bytes;
    return id;
  }

  /** The storage behind `id`. @throws when it was freed or belongs to another backend. */
  get(id: DataId): S {
    return this.entry(id, 'read').storage;
  }

  /** Whether `id` is a live storage of this ledger. */
  has(id: DataId): boolean {
    return this.entries.has(id);
  }

  /** References held on `id` (0 when it was freed). */
  refCount(id: DataId): number {
    return this.entries.get(id)?.refs ?? 0;
  }

  /** Adds a reference to `id`. @throws when it was freed. */
  incRef(id: DataId): void {
    this.entry(id, 'incRef').refs++;
  }

  /** Drops one reference; frees the storage when none remain. A freed `id` is ignored. */
  decRef(id: DataId): void {
    const entry = this.entries.get(id);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(id);
    this.liveBytes -= entry.bytes;
    this.free(entry.storage);
  }

  /** Number of live storages. */
  get count(): number {
    return this.entries.size;
  }

  /** Bytes held by live storages. */
  get bytes(): number {
    return this.liveBytes;
  }

  /** Frees every storage, whatever its references (backend shutdown). */
  clear(): void {
    const storages = [...this.entries.values()].map((entry) => entry.storage);
    this.entries.clear();
    this.liveBytes = 0;
    for (const storage of storages) this.free(storage);
  }

  private entry(id: DataId, use: string): Entry<S> {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`${this.backendName} backend: ${use} of storage that was freed or belongs to another backend`);
    return entry;
  }
}

/**
 * The storage bookkeeping half of the `Backend` interface, kept in a `StorageLedger`: a backend
 * extends this and implements storage creation, reading, `dispose` and the kernels.
 */
export abstract class LedgerBackedStorage<S> {
  /** The backend's storages. */
  protected abstract readonly ledger: StorageLedger<S>;

  incRef(id: DataId): void {
    this.ledger.incRef(id);
  }

  disposeData(id: DataId): void {
    this.ledger.decRef(id);
  }

  numDataIds(): number {
    return this.ledger.count;
  }

  numBytes(): number {
    return this.ledger.bytes;
  }
}
