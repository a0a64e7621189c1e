import Dispatch

/// Splits independent loop iterations across cores with `DispatchQueue.concurrentPerform`.
enum ConcurrentLoop {
    /// Calls `body` on disjoint chunks covering `0..<count`, concurrently when `work` (elements touched) is large.
    /// `body` must write only memory that its chunk owns.
    static func forEachChunk(of count: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 1, work >= 1 << 17 else {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = min(count, 16)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// A mutable buffer handed to concurrent chunks that each write a disjoint part.
struct SharedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}
