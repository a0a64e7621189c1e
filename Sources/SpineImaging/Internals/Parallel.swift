import Dispatch

/// Splits loops over slices across threads with `DispatchQueue.concurrentPerform`.
enum Parallel {
    /// Below this many elements of work a loop runs on the calling thread (thread start-up costs more).
    static let minimumParallelWork = 1 << 18

    /// Calls `body` on contiguous, disjoint chunks that cover `0..<count`, concurrently when `work`
    /// (the total number of elements the loop touches) is large enough to pay for it.
    ///
    /// `body` must only write to memory that its chunk owns.
    static func forEachChunk(of count: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 1, work >= minimumParallelWork else {
            if count > 0 { body(0..<count) }
            return
        }
        // A few chunks per core balance uneven chunks without much scheduling overhead.
        let chunks = min(count, 16)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks
            let hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// A pointer handed to the chunks of `Parallel.forEachChunk`, each of which writes a disjoint part.
struct SendablePointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}
