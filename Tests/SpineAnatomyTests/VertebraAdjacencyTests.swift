import Testing

@testable import SpineAnatomy

/// Adjacency across enumeration variants: the neighbours a disc may lie between.
@Suite struct VertebraAdjacencyTests {
    @Test(arguments: [
        (Vertebra.l4, Vertebra.l5, true), (.l5, .s1, true), (.l5, .l6, true), (.l6, .s1, true), (.t12, .t13, true),
        (.t13, .l1, true), (.t12, .l1, true), (.c7, .t1, true),
        (.l4, .l6, false), (.l4, .s1, false), (.t12, .l2, false), (.t11, .t13, false), (.l6, .l4, false),
        (.l1, .l1, false),
    ])
    func adjacency(a: Vertebra, b: Vertebra, adjacent: Bool) {
        #expect(a.isAdjacent(to: b) == adjacent)
        #expect(b.isAdjacent(to: a) == adjacent)
    }
}
