/// A binary max-heap of (priority, value) pairs.
struct MaxHeap {
    private var priorities: [Double] = []
    private var values: [Int] = []

    var isEmpty: Bool { priorities.isEmpty }

    mutating func push(_ priority: Double, _ value: Int) {
        priorities.append(priority)
        values.append(value)
        var c = priorities.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            if priorities[p] >= priorities[c] { break }
            priorities.swapAt(p, c)
            values.swapAt(p, c)
            c = p
        }
    }

    mutating func pop() -> (priority: Double, value: Int)? {
        guard let top = priorities.first else { return nil }
        let v = values[0]
        let lastP = priorities.removeLast(), lastV = values.removeLast()
        if !priorities.isEmpty {
            priorities[0] = lastP
            values[0] = lastV
            var p = 0
            let n = priorities.count
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < n && priorities[l] > priorities[m] { m = l }
                if r < n && priorities[r] > priorities[m] { m = r }
                if m == p { break }
                priorities.swapAt(p, m)
                values.swapAt(p, m)
                p = m
            }
        }
        return (top, v)
    }
}
