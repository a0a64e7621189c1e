/// Stride, padding, dilation and groups of a (transposed) convolution, one value per spatial axis.
package struct ConvolutionGeometry: Hashable, Sendable {
    package var stride: [Int]
    package var paddingLow: [Int]
    package var paddingHigh: [Int]
    package var dilation: [Int]
    package var groups: Int
    package var transposed: Bool

    /// Validates the arguments for `spatialRank` axes; `nil` arrays mean stride 1, padding 0, dilation 1.
    package init(
        spatialRank r: Int, stride: [Int]?, padding: [Int]?, dilation: [Int]?, groups: Int, transposed: Bool, op: String
    ) throws {
        func expand(_ a: [Int]?, _ def: Int, _ name: String) throws -> [Int] {
            guard let a else { return [Int](repeating: def, count: r) }
            if a.count == 1 { return [Int](repeating: a[0], count: r) }
            guard a.count == r else {
                throw NNError(.invalidArgument, "\(op): \(name) needs 1 or \(r) values, got \(a)")
            }
            return a
        }
        self.stride = try expand(stride, 1, "stride")
        self.paddingLow = try expand(padding, 0, "padding")
        self.paddingHigh = paddingLow
        self.dilation = try expand(dilation, 1, "dilation")
        self.groups = groups
        self.transposed = transposed
        guard self.stride.allSatisfy({ $0 >= 1 }), self.dilation.allSatisfy({ $0 >= 1 }),
            paddingLow.allSatisfy({ $0 >= 0 }), groups >= 1
        else {
            throw NNError(
                .invalidArgument,
                "\(op): stride \(self.stride), dilation \(self.dilation) and groups \(groups) must be ≥ 1, padding \(paddingLow) ≥ 0"
            )
        }
    }

    /// Output spatial size for input `inSize` and kernel `k` along each axis.
    package func outputSpatial(input: [Int], kernel: [Int]) -> [Int] {
        (0..<input.count).map { a in
            let ek = (kernel[a] - 1) * dilation[a] + 1
            if transposed {
                return (input[a] - 1) * stride[a] - paddingLow[a] - paddingHigh[a] + ek
            }
            let span = input[a] + paddingLow[a] + paddingHigh[a] - ek
            return span < 0 ? 0 : span / stride[a] + 1
        }
    }
}
