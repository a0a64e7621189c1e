import Foundation
import SpineAnatomy
import Testing

@Suite struct AnatomyTests {
    @Test(arguments: [
        (Vertebra.c1, 1), (.c7, 7), (.t1, 8), (.t12, 19), (.t13, 28), (.l1, 20), (.l5, 24), (.l6, 25), (.s1, 26),
        (.coccyx, 27),
    ])
    func verseLabels(vertebra: Vertebra, label: Int) {
        #expect(vertebra.verseLabel == label)
        #expect(Vertebra(verseLabel: label) == vertebra)
    }

    @Test func orderAndVariants() {
        #expect(Vertebra.t12 < .t13 && .t13 < .l1 && .l5 < .l6 && .l6 < .s1)
        #expect(Vertebra.standardSequence.count == 25)
        #expect(Vertebra.l5.nextCaudal == .s1)
        #expect(Vertebra.t12.nextCaudal == .l1)
        #expect(Vertebra.l6.nextCaudal == nil)
        #expect(Vertebra.l5.offsetInStandardSequence(by: -4) == .l1)
        #expect(Vertebra(name: "vertebrae_L3") == .l3)
        #expect(Vertebra(name: "sacrum") == .s1)
    }

    @Test func discLevels() {
        let l45 = DiscLevel(upper: .l4, lower: .l5)
        #expect(l45.name == "L4-L5")
        #expect(l45.verseLabel == 123)
        #expect(DiscLevel(verseLabel: 123) == l45)
        #expect(DiscLevel(verseLabel: 124)?.name == "L5-S1")
        #expect(DiscLevel(verseLabel: 125)?.name == "L6-S1")
        #expect(DiscLevel(verseLabel: 128)?.name == "T13-L1")
        for text in ["L4-L5", "L4/L5", "L4/5", "l45", "L4-5"] { #expect(DiscLevel(name: text) == l45, "\(text)") }
        for text in ["L5-S1", "L5/S1", "L5S1"] { #expect(DiscLevel(name: text)?.name == "L5-S1", "\(text)") }
        #expect(DiscLevel(name: "T12-L1")?.name == "T12-L1")
        #expect(DiscLevel(name: "L5-L4") == nil)
        #expect(DiscLevel.lumbar.map(\.name) == ["T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"])
    }

    @Test func structureClasses() {
        #expect(StructureClass.allCases.count == 11)
        #expect(StructureClass.allCases.map(\.rawValue) == Array(1...11))
        #expect(StructureClass(name: "Spinal Canal") == .spinalCanal)
    }

    @Test func structureClassLabelValuesAndNames() {
        #expect(StructureClass.backgroundLabel == 0)
        #expect(StructureClass.allCases.map(\.labelValue) == (1...11).map(UInt8.init))
        #expect(StructureClass.intervertebralDisc.displayName == "intervertebral disc")
        #expect(StructureClass.intervertebralDisc.name == "intervertebral_disc")
    }

    @Test func codableUsesRadiologicalNames() throws {
        let enc = JSONEncoder()
        #expect(
            String(decoding: try enc.encode([Vertebra.l4, .s1, .t13, .coccyx]), as: UTF8.self)
                == #"["L4","S1","T13","Co"]"#)
        #expect(String(decoding: try enc.encode([DiscLevel(upper: .l5, lower: .s1)]), as: UTF8.self) == #"["L5-S1"]"#)
        // Older forms still decode: lowercase raw values, the phantom's "S", the keyed disc level.
        let dec = JSONDecoder()
        #expect(
            try dec.decode([Vertebra].self, from: Data(#"["l4","s1","S","sacrum","t13"]"#.utf8)) == [
                .l4, .s1, .s1, .s1, .t13,
            ])
        #expect(
            try dec.decode(DiscLevel.self, from: Data(#"{"upper":"l4","lower":"l5"}"#.utf8))
                == DiscLevel(upper: .l4, lower: .l5))
        #expect(try dec.decode(DiscLevel.self, from: Data(#""L5-S1""#.utf8)) == DiscLevel(upper: .l5, lower: .s1))
        #expect(throws: DecodingError.self) { try dec.decode(Vertebra.self, from: Data(#""X9""#.utf8)) }
        #expect(throws: DecodingError.self) { try dec.decode(DiscLevel.self, from: Data(#""L5-L4""#.utf8)) }
        #expect(throws: DecodingError.self) {
            try dec.decode(DiscLevel.self, from: Data(#"{"upper":"L5","lower":"L4"}"#.utf8))
        }
    }

    @Test func codableRoundTripsEveryVertebraAndAdjacentLevel() throws {
        let all = Vertebra.allCases
        #expect(try JSONDecoder().decode([Vertebra].self, from: JSONEncoder().encode(all)) == all)
        let levels =
            zip(all, all.dropFirst()).map { DiscLevel(upper: $0, lower: $1) }
            + [
                DiscLevel(upper: .t12, lower: .l1), DiscLevel(upper: .l5, lower: .s1),
                DiscLevel(upper: .l6, lower: .s1),
            ]
        #expect(try JSONDecoder().decode([DiscLevel].self, from: JSONEncoder().encode(levels)) == levels)
    }
}
