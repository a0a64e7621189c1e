import Foundation

/// Large tensor buffers kept after release and handed out again for the next request of the same
/// size, so that a training step, which allocates and frees the same activation and gradient
/// shapes every iteration, does not first-touch fresh pages each time (the allocator returns
/// large blocks to the system; touching new pages costs ~3.5 ms per 8 MiB, about a convolution
/// layer's time).
///
/// Only buffers of at least ``minimumBytes`` are kept, at most ``TensorMemory/cacheLimitBytes``
/// in all (the oldest released go first). Thread-safe.
final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()
    /// Smaller buffers go straight back to the allocator (its own free lists serve them well).
    static let minimumBytes = 1 << 20

    private let lock = NSLock()
    /// Released buffers, oldest first.
    private var free: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    private var cachedBytes = 0
    private var limit = 1 << 30

    /// A 64-byte aligned buffer of `bytes` (a cached one when there is one of that size).
    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= Self.minimumBytes {
            lock.lock()
            if let i = free.lastIndex(where: { $0.bytes == bytes }) {
                let p = free.remove(at: i).pointer
                cachedBytes -= bytes
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    /// Returns a buffer from ``allocate(bytes:)``: kept for reuse or freed.
    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes >= Self.minimumBytes else {
            pointer.deallocate()
            return
        }
        lock.lock()
        free.append((bytes, pointer))
        cachedBytes += bytes
        let evicted = evictLocked()
        lock.unlock()
        for p in evicted { p.deallocate() }
    }

    /// Removes the oldest buffers until the rest fit the limit; the caller holds the lock.
    private func evictLocked() -> [UnsafeMutableRawPointer] {
        var drop = 0
        while cachedBytes > limit, drop < free.count {
            cachedBytes -= free[drop].bytes
            drop += 1
        }
        let evicted = free.prefix(drop).map(\.pointer)
        free.removeFirst(drop)
        return evicted
    }

    /// Frees every cached buffer.
    func removeAll() {
        lock.lock()
        let all = free
        free.removeAll()
        cachedBytes = 0
        lock.unlock()
        for e in all { e.pointer.deallocate() }
    }

    /// Bytes held for reuse.
    var byteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return cachedBytes
    }

    /// The most bytes held for reuse; lowering it frees what no longer fits.
    var limitBytes: Int {
        get {
            lock.lock()
            defer { lock.unlock() }
            return limit
        }
        set {
            lock.lock()
            limit = newValue
            let evicted = evictLocked()
            lock.unlock()
            for p in evicted { p.deallocate() }
        }
    }
}

/// Memory that SpineNN keeps for reuse between operations.
public enum TensorMemory {
    /// Upper bound in bytes on released tensor buffers (each ≥ 1 MiB) kept for reuse; 1 GiB by
    /// default, 0 turns the cache off. Repeated training steps and inference calls then reuse
    /// their buffers instead of touching fresh pages.
    public static var cacheLimitBytes: Int {
        get { BufferCache.shared.limitBytes }
        set {
            precondition(newValue >= 0, "cache limit must not be negative, got \(newValue)")
            BufferCache.shared.limitBytes = newValue
        }
    }

    /// Bytes currently held for reuse.
    public static var cachedBytes: Int { BufferCache.shared.byteCount }

    /// Frees every cached buffer (for instance after training, before a long idle period).
    public static func releaseCachedBuffers() { BufferCache.shared.removeAll() }
}
