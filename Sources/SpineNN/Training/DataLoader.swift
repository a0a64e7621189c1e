import Foundation

/// Batches produced by background worker threads, in a deterministic order, with a bounded
/// number of batches prepared ahead of the training loop.
///
/// `makeBatch` receives the dataset indices of one batch and a generator seeded from
/// `(seed, epoch, batch number)` only, so an epoch's batches — their samples and their random
/// augmentations — are identical whatever the number of workers and however the threads are
/// scheduled. Each epoch shuffles the indices with its own seed (`shuffle`), and batches are
/// delivered in order.
///
/// ```swift
/// let loader = DataLoader(count: cases.count, batchSize: 8, workers: 2, seed: 42) { indices, g in
///     try makeBatch(indices, using: &g)  // load, crop, augment, stack
/// }
/// for epoch in 0..<epochs {
///     let batches = loader.epoch(epoch)
///     while let batch = try batches.next() { … }
/// }
/// ```
public final class DataLoader<Batch: Sendable>: Sendable {
    /// Number of samples in the dataset.
    public let count: Int
    public let batchSize: Int
    public let shuffle: Bool
    /// Whether a last, smaller batch is dropped.
    public let dropLast: Bool
    /// Background threads per epoch.
    public let workers: Int
    /// Most batches prepared ahead of the one the caller takes next.
    public let prefetch: Int
    public let seed: UInt64
    let makeBatch: @Sendable ([Int], inout SeededGenerator) throws -> Batch

    /// - Parameters:
    ///   - count: dataset size (indices `0..<count`).
    ///   - workers: background threads (≥ 1).
    ///   - prefetch: batches prepared ahead (≥ 1); bounds the memory held by finished batches.
    ///   - makeBatch: builds one batch from its indices; runs on a worker thread, so it must not
    ///     touch unsynchronised shared state.
    public init(
        count: Int, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, workers: Int = 2, prefetch: Int = 4,
        seed: UInt64,
        makeBatch: @escaping @Sendable (_ indices: [Int], _ generator: inout SeededGenerator) throws -> Batch
    ) {
        precondition(count >= 0 && batchSize >= 1 && workers >= 1 && prefetch >= 1, "DataLoader: invalid configuration")
        self.count = count
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.workers = workers
        self.prefetch = prefetch
        self.seed = seed
        self.makeBatch = makeBatch
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The dataset indices of every batch of `epoch`, in delivery order.
    public func batchIndices(epoch: Int) -> [[Int]] {
        var order = Array(0..<count)
        if shuffle {
            var g = SeededGenerator(seed: mixSeed(seed, UInt64(bitPattern: Int64(epoch)), 0x5348_5546))
            order.shuffle(using: &g)
        }
        return (0..<batchesPerEpoch).map { b in Array(order[(b * batchSize)..<min((b + 1) * batchSize, count)]) }
    }

    /// Starts the workers for `epoch` and returns the stream of its batches.
    public func epoch(_ epoch: Int) -> DataLoaderEpoch<Batch> {
        let batches = batchIndices(epoch: epoch)
        let seeds = (0..<batches.count).map { mixSeed(seed, UInt64(bitPattern: Int64(epoch)), UInt64($0)) }
        return DataLoaderEpoch(
            batches: batches, seeds: seeds, workers: workers, prefetch: prefetch, makeBatch: makeBatch)
    }
}

/// One epoch of a ``DataLoader``: call ``next()`` until it returns nil. Dropping it early stops
/// its workers after the batches they are building.
public final class DataLoaderEpoch<Batch: Sendable>: Sendable {
    private let state: DataLoaderState<Batch>

    /// Number of batches in the epoch.
    public var count: Int { state.total }

    /// Highest number of finished batches that waited for the caller at once (at most `prefetch`).
    var peakReady: Int { state.withLock { state.peakReady } }

    init(
        batches: [[Int]], seeds: [UInt64], workers: Int, prefetch: Int,
        makeBatch: @escaping @Sendable ([Int], inout SeededGenerator) throws -> Batch
    ) {
        let state = DataLoaderState<Batch>(total: batches.count, prefetch: prefetch)
        self.state = state
        for _ in 0..<min(workers, max(batches.count, 1)) {
            // Workers hold the state, not this object, so that dropping it cancels them.
            let thread = Thread {
                while let b = state.claim() {
                    var g = SeededGenerator(seed: seeds[b])
                    do {
                        state.deliver(b, .success(try makeBatch(batches[b], &g)))
                    } catch {
                        state.deliver(b, .failure(error))
                    }
                }
            }
            thread.name = "SpineNN.DataLoader"
            thread.start()
        }
    }

    deinit { state.cancel() }

    /// The next batch in order, waiting for a worker if needed; nil after the last.
    /// - Throws: the first error that `makeBatch` threw (the epoch then stops).
    public func next() throws -> Batch? { try state.next() }
}

/// The queue shared by an epoch's workers and its consumer, under one condition variable.
final class DataLoaderState<Batch: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Batch] = [:]
    private var failure: (any Error)?
    private var nextToDeliver = 0
    private var nextToClaim = 0
    private var cancelled = false
    let total: Int
    let prefetch: Int
    var peakReady = 0

    init(total: Int, prefetch: Int) {
        self.total = total
        self.prefetch = prefetch
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    func cancel() {
        withLock {
            cancelled = true
            condition.broadcast()
        }
    }

    /// The next batch number to build, once it is within `prefetch` of the consumer; nil when done.
    func claim() -> Int? {
        withLock {
            while !cancelled && failure == nil && nextToClaim < total && nextToClaim >= nextToDeliver + prefetch {
                condition.wait()
            }
            guard !cancelled, failure == nil, nextToClaim < total else { return nil }
            nextToClaim += 1
            return nextToClaim - 1
        }
    }

    func deliver(_ b: Int, _ result: Result<Batch, any Error>) {
        withLock {
            switch result {
            case .success(let batch):
                ready[b] = batch
                peakReady = max(peakReady, ready.count)
            case .failure(let error):
                if failure == nil { failure = error }
            }
            condition.broadcast()
        }
    }

    func next() throws -> Batch? {
        try withLock {
            while true {
                if let failure { throw failure }
                if nextToDeliver >= total { return nil }
                if let batch = ready.removeValue(forKey: nextToDeliver) {
                    nextToDeliver += 1
                    condition.broadcast()
                    return batch
                }
                condition.wait()
            }
        }
    }
}

/// Combines seeds (SplitMix64 finaliser over a running mix), for per-epoch and per-batch streams.
func mixSeed(_ values: UInt64...) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for v in values {
        var z = h ^ (v &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2))
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        h = z ^ (z >> 31)
    }
    return h
}
